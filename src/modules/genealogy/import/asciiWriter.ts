// ASCII text (the import's chunk JSON) written into one growing byte buffer: a million rows of numbers and
// paths without a string per value and per row (collecting those strings was a third of serializing).

const decoder = new TextDecoder();
const ZERO = 48;

export class AsciiWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** One character given by its code (ASCII). */
  char(code: number): void {
    this.ensure(1);
    this.buf[this.len++] = code;
  }

  /** A string of ASCII characters, as is (no quoting). */
  ascii(s: string): void {
    this.ensure(s.length);
    const { buf } = this;
    let p = this.len;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.len = p;
  }

  /** A safe integer in decimal, as `${v}` writes it. */
  int(v: number): void {
    if (v < 0 || v > 0x7fffffff) {
      this.ascii(String(v));
      return;
    }
    this.ensure(10);
    const { buf } = this;
    const start = this.len;
    let p = start;
    do {
      buf[p++] = ZERO + (v % 10);
      v = (v / 10) | 0;
    } while (v > 0);
    this.len = p;
    for (let i = start, j = p - 1; i < j; i++, j--) {
      const c = buf[i];
      buf[i] = buf[j];
      buf[j] = c;
    }
  }

  /** An integer, or `null`. */
  intOrNull(v: number | null): void {
    if (v == null) this.ascii('null');
    else this.int(v);
  }

  /** The text of bytes [from, to). */
  text(from = 0, to = this.len): string {
    return decoder.decode(this.buf.subarray(from, to));
  }
}
