// The archive job: write a period's parts to R2 chunk by chunk, read every chunk back, then delete the live rows
// chunk by chunk. Each step does a bounded amount of work and hands over to the next; all progress is in D1
// (period_archive, archive_chunk), so a redelivered step redoes nothing that changes an outcome and a killed
// step is resumed from the last chunk recorded.
import type { Env } from '../../env';
import { logStep } from '../../lib/stepLog';
import type { NewJob } from '../jobs/model';
import type { JobKindSpec } from '../jobs/runner';
import { encodeChunk, putChunk, readChunkRows } from './chunks';
import type { ArchiveJob } from './messages';
import { CHUNK_KEYS, COLUMNS, chunkKey, locationOf, manifestKey, PARTS, type Part } from './model';
import { deleteChunkRows, liveCount, readChunk } from './parts';
import {
  allChunks,
  archiveOf,
  chunksWhere,
  dropUnverified,
  finishPart,
  insertArchive,
  markChunk,
  nextChunkOf,
  recordChunk,
  scopeOf,
  setStatus,
} from './repository';
import { summaryStatements } from './summary';

/** Wall time one step spends before handing over (a queue consumer may run minutes; stay well inside). */
const STEP_BUDGET_MS = 20_000;
const PAGE = 50;

export function archiveJob(periodId: string, kind: ArchiveJob['kind'] = 'archive.write'): NewJob<ArchiveJob> {
  return {
    id: `archive:${periodId}`,
    kind: 'period.archive',
    subject: `archive of period ${periodId}`,
    message: { kind, periodId },
  };
}

/** Rows differ from what was written, or a chunk does not read back: retrying the same step cannot mend it. */
export class ArchiveMismatch extends Error {
  override name = 'ArchiveMismatch';
}

export const archiveJobSpec: JobKindSpec<ArchiveJob> = {
  isPermanent: (e) => e instanceof ArchiveMismatch,
  // Nothing live was deleted before VERIFIED: a failed write or check is forgotten, to be started again.
  onFailed: (env, m) => dropUnverified(env.DB, m.periodId),
  // Staff retry: the archive starts again (a VERIFIED one goes on deleting).
  async onRetry(env, m) {
    await env.DB.batch([insertArchive(env.DB, m.periodId, locationOf(m.periodId))]);
  },
};

const nextPart = (part: Part): Part | null => PARTS[PARTS.indexOf(part) + 1] ?? null;

export async function runArchiveStep(env: Env, m: ArchiveJob): Promise<void> {
  const db = env.DB;
  const state = await archiveOf(db, m.periodId);
  if (!state || state.status === 'ARCHIVED') return;
  const started = Date.now();
  const inBudget = () => Date.now() - started < STEP_BUDGET_MS;
  // A step of an earlier phase delivered late goes on where the archive is; a retried job whose unverified
  // archive was forgotten (onFailed) writes again from the start.
  const phase =
    state.status === 'VERIFIED'
      ? 'archive.delete'
      : m.kind === 'archive.delete' || state.part != null
        ? 'archive.write'
        : m.kind;
  const handOver = async (kind: ArchiveJob['kind']) => {
    await env.JOBS.send({ kind, periodId: m.periodId });
  };
  const scope = await scopeOf(db, m.periodId);

  if (phase === 'archive.write') {
    let part = state.part as Part | null;
    // Per part touched in this step: chunks, rows and bytes written, and where the time went.
    const stats = new Map<Part, Record<string, number>>();
    let at = Date.now();
    /** Milliseconds since the previous lap. */
    const lap = () => {
      const ms = Date.now() - at;
      at += ms;
      return ms;
    };
    while (part && inBudget()) {
      const t = stats.get(part) ?? {
        chunks: 0,
        rows: 0,
        bytes: 0,
        readMs: 0,
        encodeMs: 0,
        putMs: 0,
        recordMs: 0,
      };
      stats.set(part, t);
      lap();
      const { chunk, cursor } = await nextChunkOf(db, m.periodId, part);
      const limit = CHUNK_KEYS[part];
      const read = await readChunk(db, scope, part, cursor, limit);
      t.readMs += lap();
      const done = read.rows.length === 0 || read.keys < limit;
      const writes: D1PreparedStatement[] = [];
      if (read.rows.length > 0) {
        const encoded = await encodeChunk(read.rows);
        t.encodeMs += lap();
        await putChunk(env.FILES, chunkKey(m.periodId, part, chunk), encoded);
        t.putMs += lap();
        writes.push(recordChunk(db, m.periodId, part, chunk, read, encoded.bytes.length, encoded.sha256));
        t.chunks++;
        t.rows += read.rows.length;
        t.bytes += encoded.bytes.length;
      }
      const next = done ? nextPart(part) : part;
      if (done) writes.push(finishPart(db, m.periodId, part, next));
      if (writes.length) await db.batch(writes);
      t.recordMs += lap();
      part = next;
    }
    for (const [p, t] of stats) logStep('archive', m.periodId, `write.${p}`, t);
    return handOver(part ? 'archive.write' : 'archive.verify');
  }

  if (phase === 'archive.verify') {
    let checked = 0;
    for (;;) {
      const page = await chunksWhere(db, m.periodId, 'verified', PAGE);
      if (page.length === 0) break;
      checked += page.length;
      for (const c of page) {
        const rows = await readChunkRows(
          env.FILES,
          chunkKey(m.periodId, c.part as Part, c.chunk),
          c.sha256,
        ).catch((e) => {
          throw new ArchiveMismatch(e instanceof Error ? e.message : String(e));
        });
        if (rows.length !== c.rows)
          throw new ArchiveMismatch(
            `${c.part} chunk ${c.chunk}: ${rows.length} rows read back, ${c.rows} written`,
          );
      }
      await db.batch(page.map((c) => markChunk(db, c, 'verified')));
      if (!inBudget()) {
        logStep('archive', m.periodId, 'verify', { ms: Date.now() - started, chunks: checked });
        return handOver('archive.verify');
      }
    }
    logStep('archive', m.periodId, 'verify', { ms: Date.now() - started, chunks: checked });
    const manifestAt = Date.now();
    // Every chunk reads back; the parts still hold exactly the rows written (nothing changed meanwhile).
    const counts = JSON.parse(state.counts) as Record<Part, number>;
    const chunks = await allChunks(db, m.periodId);
    const manifest: Record<string, unknown> = {};
    for (const part of PARTS) {
      const mine = chunks.filter((c) => c.part === part);
      const rows = mine.reduce((s, c) => s + c.rows, 0);
      const live = await liveCount(db, scope, part);
      if (rows !== counts[part] || live !== rows)
        throw new ArchiveMismatch(`${part}: ${rows} rows archived, ${counts[part]} counted, ${live} live`);
      manifest[part] = {
        columns: COLUMNS[part],
        rows,
        chunks: mine.map((c) => ({
          key: chunkKey(m.periodId, part, c.chunk),
          firstKey: c.first_key,
          lastKey: c.last_key,
          rows: c.rows,
          bytes: c.bytes,
          sha256: c.sha256,
        })),
      };
    }
    await env.FILES.put(
      manifestKey(m.periodId),
      JSON.stringify({ period: m.periodId, createdAt: new Date().toISOString(), parts: manifest }),
      { httpMetadata: { contentType: 'application/json' } },
    );
    // The member summaries the compliance figures and the disclosure read once the lines are gone (summary.ts).
    await db.batch([...summaryStatements(db, m.periodId), setStatus(db, m.periodId, 'WRITING', 'VERIFIED')]);
    logStep('archive', m.periodId, 'manifest', { ms: Date.now() - manifestAt });
    return handOver('archive.delete');
  }

  // Delete: from VERIFIED on, readers use the archive; the live rows go chunk by chunk (one batch each).
  const deletedMs: Partial<Record<Part, number>> = {};
  for (;;) {
    const page = await chunksWhere(db, m.periodId, 'deleted', PAGE);
    if (page.length === 0) break;
    for (const c of page) {
      const at = Date.now();
      const del = deleteChunkRows(db, scope, c.part as Part, c.first_key, c.last_key);
      await db.batch(del ? [del, markChunk(db, c, 'deleted')] : [markChunk(db, c, 'deleted')]);
      const part = c.part as Part;
      deletedMs[part] = (deletedMs[part] ?? 0) + Date.now() - at;
    }
    if (!inBudget()) {
      logStep('archive', m.periodId, 'delete', { ms: Date.now() - started, ...deletedMs });
      return handOver('archive.delete');
    }
  }
  logStep('archive', m.periodId, 'delete', { ms: Date.now() - started, ...deletedMs });
  await db.batch([setStatus(db, m.periodId, 'VERIFIED', 'ARCHIVED')]);
}
