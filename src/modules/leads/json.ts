// A JSON parser that never turns a number into a JS number: campaign and form ids are 64-bit integers, and
// JSON.parse would round 9007199254740993 to ...992. Numbers come back as JsonNumber holding their text.

export class JsonNumber {
  constructor(readonly raw: string) {}
  toString(): string {
    return this.raw;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

export interface JsonOptions {
  /** Accept one trailing comma before `]` or `}` (Google's published lead sample has one). */
  allowTrailingCommas?: boolean;
  /** Nesting limit: a lead is shallow; deep nesting is an attack on the stack. */
  maxDepth?: number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonLossless(text: string, options: JsonOptions = {}): JsonValue {
  const trailing = options.allowTrailingCommas ?? false;
  const maxDepth = options.maxDepth ?? 32;
  let i = 0;

  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('Control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else fail('Bad escape');
        start = i;
      } else i++;
    }
    return fail('Unterminated string');
  };

  const value = (depth: number): JsonValue => {
    if (depth > maxDepth) fail('Nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: { [key: string]: JsonValue } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') {
          if (trailing && text[i] === '}') {
            i++;
            return obj;
          }
          fail('Expected a key');
        }
        const key = str();
        ws();
        if (text[i] !== ':') fail('Expected ":"');
        i++;
        // Own property even for "__proto__": the object is a plain record.
        Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail('Expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        ws();
        if (trailing && text[i] === ']' && arr.length > 0) {
          i++;
          return arr;
        }
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail('Expected "," or "]"');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('Unexpected token');
  };

  const result = value(0);
  ws();
  if (i !== text.length) fail('Unexpected data after the value');
  return result;
}

export function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** An id that may arrive as a JSON number or a string: its exact decimal text, or null. */
export function idText(v: JsonValue | undefined): string | null {
  if (v instanceof JsonNumber) return /^\d+$/.test(v.raw) ? v.raw : null;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  return null;
}

/** Any scalar as text (answers are text whatever the sender typed). */
export function scalarText(v: JsonValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof JsonNumber) return v.raw;
  return null;
}
