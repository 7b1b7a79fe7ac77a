// The archive's R2 objects: a chunk is NDJSON (one row per line), stored with its SHA-256 (R2 checks the upload
// against it) and read back whole; a chunk that does not hash to what its index row says is an error.

export interface EncodedChunk {
  bytes: Uint8Array;
  sha256: string;
}

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function encodeChunk(rows: readonly unknown[]): Promise<EncodedChunk> {
  const bytes = new TextEncoder().encode(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return { bytes, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)) };
}

export async function putChunk(files: R2Bucket, key: string, chunk: EncodedChunk): Promise<void> {
  await files.put(key, chunk.bytes, {
    sha256: chunk.sha256,
    httpMetadata: { contentType: 'application/x-ndjson' },
  });
}

export class ArchiveReadError extends Error {
  override name = 'ArchiveReadError';
}

/** A chunk's bytes, checked against its checksum. */
async function chunkBytes(files: R2Bucket, key: string, sha256: string): Promise<Uint8Array> {
  const object = await files.get(key);
  if (!object) throw new ArchiveReadError(`archive chunk ${key} is missing`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const actual = hex(await crypto.subtle.digest('SHA-256', bytes));
  if (actual !== sha256)
    throw new ArchiveReadError(`archive chunk ${key}: checksum ${actual}, expected ${sha256}`);
  return bytes;
}

/** A chunk's rows (checksum checked). */
export async function readChunkRows<T>(files: R2Bucket, key: string, sha256: string): Promise<T[]> {
  const text = new TextDecoder().decode(await chunkBytes(files, key, sha256));
  const rows: T[] = [];
  for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as T);
  return rows;
}
