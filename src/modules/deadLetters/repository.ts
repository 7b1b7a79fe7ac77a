// Every R2 operation on dead letters: one object per message under dead-letters/, its JSON the record, its
// customMetadata the status and what a list shows. Status changes are conditional on the etag read before, so
// two writers never both win.
import {
  DEAD_LETTER_PREFIX,
  type DeadLetterRecord,
  type DeadLetterStatus,
  type DeadLetterSummary,
} from './model';

/** R2 allows 2 KB of custom metadata per object; the full reason stays in the object's JSON. */
const REASON_IN_METADATA = 1000;

export interface StoredDeadLetter {
  key: string;
  status: DeadLetterStatus;
  etag: string;
}

function metadataOf(record: DeadLetterRecord, status: DeadLetterStatus): Record<string, string> {
  return {
    status,
    queue: record.queue,
    kind: record.kind,
    attempts: String(record.attempts),
    receivedAt: record.receivedAt,
    ...(record.reason ? { reason: record.reason.slice(0, REASON_IN_METADATA) } : {}),
  };
}

function statusOf(meta: Record<string, string> | undefined): DeadLetterStatus {
  const s = meta?.status;
  return s === 'SETTLED' || s === 'REPLAYED' ? s : 'PENDING';
}

function summaryOf(key: string, meta: Record<string, string> | undefined): DeadLetterSummary {
  return {
    key,
    queue: meta?.queue ?? '',
    kind: meta?.kind ?? '?',
    attempts: Number(meta?.attempts ?? 0),
    reason: meta?.reason ?? null,
    receivedAt: meta?.receivedAt ?? '',
    status: statusOf(meta),
  };
}

/** The object's status and etag, or null when there is none. */
export async function headDeadLetter(bucket: R2Bucket, key: string): Promise<StoredDeadLetter | null> {
  const head = await bucket.head(key);
  return head ? { key, status: statusOf(head.customMetadata), etag: head.etag } : null;
}

/**
 * Writes the record with a status. With `ifEtag`, only over that version of the object (null when it changed
 * meanwhile); with null, unconditionally (the first write, after headDeadLetter found nothing).
 */
export async function writeDeadLetter(
  bucket: R2Bucket,
  key: string,
  record: DeadLetterRecord,
  status: DeadLetterStatus,
  ifEtag: string | null,
): Promise<StoredDeadLetter | null> {
  const written = await bucket.put(key, JSON.stringify(record), {
    httpMetadata: { contentType: 'application/json' },
    customMetadata: metadataOf(record, status),
    ...(ifEtag ? { onlyIf: { etagMatches: ifEtag } } : {}),
  });
  return written ? { key, status, etag: written.etag } : null;
}

/** The record, its status and etag; null when there is no such object. */
export async function readDeadLetter(
  bucket: R2Bucket,
  key: string,
): Promise<{ record: DeadLetterRecord; status: DeadLetterStatus; etag: string } | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  return {
    record: JSON.parse(await object.text()) as DeadLetterRecord,
    status: statusOf(object.customMetadata),
    etag: object.etag,
  };
}

/**
 * A page of dead letters in key order (oldest first), those with `status` only when given: up to `first`
 * after the key `startAfter`. `hasNextPage` says whether more matching ones may follow the last one returned.
 */
export async function listDeadLetters(
  bucket: R2Bucket,
  opts: { first: number; startAfter: string | null; status: DeadLetterStatus | null },
): Promise<{ rows: DeadLetterSummary[]; hasNextPage: boolean }> {
  const rows: DeadLetterSummary[] = [];
  let startAfter = opts.startAfter ?? undefined;
  let cursor: string | undefined;
  for (;;) {
    const page = await bucket.list({
      prefix: DEAD_LETTER_PREFIX,
      // startAfter on the first call; the cursor R2 hands back after that.
      ...(cursor ? { cursor } : { startAfter }),
      limit: 1000,
      include: ['customMetadata'],
    });
    for (const o of page.objects) {
      const row = summaryOf(o.key, o.customMetadata);
      if (opts.status && row.status !== opts.status) continue;
      if (rows.length === opts.first) return { rows, hasNextPage: true };
      rows.push(row);
    }
    if (!page.truncated) return { rows, hasNextPage: false };
    cursor = page.cursor;
    startAfter = undefined;
  }
}

/**
 * Rewrites every dead letter whose JSON the function changes (GDPR erasure: the person's name, e-mail and phone
 * in kept message bodies), each write conditional on the etag read so a concurrent status change is not lost
 * (a lost race reads the object again). The body must stay valid JSON. Returns the keys rewritten.
 */
export async function rewriteDeadLetters(
  bucket: R2Bucket,
  rewrite: (json: string) => string,
): Promise<string[]> {
  const rewritten: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await bucket.list({
      prefix: DEAD_LETTER_PREFIX,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const o of page.objects) {
      for (let attempt = 1; ; attempt++) {
        const object = await bucket.get(o.key);
        if (!object) break;
        const text = await object.text();
        const next = rewrite(text);
        if (next === text) break;
        const written = await writeDeadLetter(
          bucket,
          o.key,
          JSON.parse(next) as DeadLetterRecord,
          statusOf(object.customMetadata),
          object.etag,
        );
        if (written) {
          rewritten.push(o.key);
          break;
        }
        if (attempt >= 5) throw new Error(`dead letter ${o.key} kept changing while it was being rewritten`);
      }
    }
    if (!page.truncated) return rewritten;
    cursor = page.cursor;
  }
}
