// Pieces every kind's queued steps share: file-global line numbers, the issue list, the apply budget,
// applying a chunk exactly once, and the step messages. A kind's steps.ts holds only what is its own.
import type { Env } from '../../env';
import { atomic, nowIso } from '../../lib/db';
import { logStep } from '../../lib/stepLog';
import type { ImportStatus, ImportStep, ImportTable } from './kind';
import { APPLY_BUDGET_MS, LINE_KEY } from './limits';
import { chunkApplied, type PartInfo } from './records';

/** Maps (part, line within the part) to the 1-based line of the whole file. */
export type LineOf = (part: number, line: number) => number;

/** File-global line numbers: parts in order; CSV counts its header once, as line 1. */
export function lineNumbering(format: string, ps: readonly { part_no: number; lines: number }[]): LineOf {
  const offsets = new Map<number, number>();
  let acc = format === 'CSV' ? 1 : 0;
  for (const p of ps) {
    offsets.set(p.part_no, acc);
    acc += p.lines;
  }
  return (part, line) => Math.max(1, (offsets.get(part) ?? 0) + line);
}

/** The file line of a row key (part_no * LINE_KEY + line), as SQL computes it. */
export const lineOfKey = (lineOf: LineOf, key: number) => lineOf(Math.floor(key / LINE_KEY), key % LINE_KEY);

/** Issues found while validating: keeps the first `keep` messages, counts all. */
export class ImportIssues {
  items: { line: number; message: string }[] = [];
  count = 0;
  constructor(private readonly keep = Number.POSITIVE_INFINITY) {}
  add(line: number, message: string) {
    this.count++;
    if (this.items.length < this.keep) this.items.push({ line, message });
  }
  /** Counts issues whose messages were not kept (beyond a part's or a query's limit). */
  more(n: number) {
    this.count += n;
  }
}

/** The issues each part's parse found (line 0 is the part's header: the message names the part). */
export function addPartIssues(issues: ImportIssues, ps: readonly PartInfo[], lineOf: LineOf) {
  for (const p of ps) {
    const kept = JSON.parse(p.issues) as [number, string][];
    for (const [line, message] of kept)
      issues.add(lineOf(p.part_no, line), line === 0 ? `Part ${p.part_no}: ${message}` : message);
    issues.more(p.issue_count - kept.length);
  }
}

/** A timing line of one import step: `[import] <kind> <id> <step> name=value ...`. */
export function logImportStep(
  t: ImportTable,
  importId: number,
  step: string,
  fields: Record<string, number>,
) {
  logStep('import', `${t.path} ${importId}`, step, fields);
}

/** Queues the kind's next step. */
export async function sendStep(env: Env, t: ImportTable, step: ImportStep, importId: number) {
  await env.JOBS.send({ kind: `${t.jobPrefix}.${step}`, importId } as never);
}

/** Whether the import has ended (cleanup runs only then). */
export const isFinished = (status: ImportStatus) => ['DONE', 'REJECTED', 'FAILED'].includes(status);

/** Why a step failed, as kept on the import. */
export const failureReason = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 2000);

/** A failure while validating wrote nothing: the import only becomes FAILED. */
export async function failValidating(db: D1Database, t: ImportTable, importId: number, reason: string) {
  await db
    .prepare(
      `UPDATE ${t.table} SET status = 'FAILED', error = ?, finished_at = ? WHERE id = ? AND status = 'VALIDATING'`,
    )
    .bind(reason, nowIso(), importId)
    .run();
}

/** A failure no retry will mend: data that changed since validation, or a conflict with the database. */
export class PermanentImportError extends Error {}

export function isPermanent(e: unknown): boolean {
  return (
    e instanceof PermanentImportError ||
    /constraint failed|SQLITE_CONSTRAINT/i.test(String((e as Error)?.message ?? e))
  );
}

/**
 * The share of one apply message: APPLY_BUDGET_MS of wall time and, optionally, a number of batches
 * (Workers allow 1,000 queries per invocation). When it is spent the step queues itself again.
 */
export function applyBudget(maxBatches = Number.POSITIVE_INFINITY) {
  const started = Date.now();
  let batches = 0;
  return {
    /** Time left for at least a fraction of the budget (e.g. 0.5 before a long computation). */
    hasTime: (fraction = 1) => Date.now() - started <= APPLY_BUDGET_MS * fraction,
    /** Counts one more batch; false when the time or the batches are spent. */
    take: () => Date.now() - started <= APPLY_BUDGET_MS && ++batches <= maxBatches,
  };
}

/**
 * Writes one chunk's batch (which marks the chunk applied, and so fails when it already was). A
 * duplicate delivery that applied it meanwhile gives the same result: that failure is no failure.
 */
export async function applyChunkOnce(
  db: D1Database,
  t: ImportTable,
  importId: number,
  chunkNo: number,
  batch: () => Promise<D1PreparedStatement[]> | D1PreparedStatement[],
): Promise<D1Result[]> {
  try {
    return await atomic(db, await batch());
  } catch (e) {
    if (await chunkApplied(db, t, importId, chunkNo)) return [];
    throw e;
  }
}

/** Each statement's time inside a batch (D1's meta.duration), named, for a step line: `<name>Ms=...`. */
export function statementTimes(
  results: readonly D1Result[],
  names: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  results.forEach((r, k) => {
    const name = `${names[k] ?? `s${k}`}Ms`;
    out[name] = (out[name] ?? 0) + Math.round((r.meta?.duration ?? 0) * 10) / 10;
  });
  return out;
}
