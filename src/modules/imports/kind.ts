// What an import kind supplies to the engine; the engine owns the rest (record, parts, issues, jobs, routes).
import type { Env } from '../../env';
import { IMPORT_FORMATS, type ImportFormat } from './limits';

export const IMPORT_STATUSES = ['UPLOADING', 'VALIDATING', 'APPLYING', 'DONE', 'REJECTED', 'FAILED'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** The columns every kind's import record has (a kind's record adds its own). */
export interface ImportRecord {
  id: number;
  /** One of the kind's formats. */
  format: string;
  status: ImportStatus;
  total_rows: number | null;
  step: string | null;
  done: number;
  total: number;
  issue_count: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** One uploaded part, parsed: staged rows plus the counts and line-numbered issues the engine keeps. */
export interface ParsedPart {
  rows: readonly unknown[];
  /** Physical lines of the part (CSV: without its header line). */
  lines: number;
  /** Data records, good or bad. */
  records: number;
  /** [line within the part (CSV: without the header), message]; line 0 = the part's header. */
  issues: [number, string][];
}

export type ImportStep = 'validate' | 'apply' | 'cleanup';

/** A queue message of one kind's import: `<jobPrefix>.<step>`. */
export interface ImportJobOf<P extends string> {
  kind: `${P}.${ImportStep}`;
  importId: number;
  /** The tracked job of the import (absent on the cleanup a compensation sends). */
  jobId?: string;
}

/** A kind's names: its tables, its GraphQL type, its queue messages, its upload route. */
export interface ImportTable {
  /** URL segment of the upload route: /imports/<path>/:id/parts/:n. */
  path: string;
  /** Table of the import record; its parts, staged rows, chunks and issues are `<table>_part` etc. */
  table: string;
  /** GraphQL type name (the Relay global ids name it). */
  typename: string;
  /** Prefix of the kind's queue messages. */
  jobPrefix: string;
  /** How a conflict names another running import ("Import 3 is still running"). */
  runningLabel: string;
  /** Key of the staged-row count in the upload answer ({ part, rows, issues }). */
  rowsKey: string;
  /** The file formats the kind reads; IMPORT_FORMATS (NDJSON, CSV) unless it says otherwise. */
  formats?: readonly [string, ...string[]];
}

/** The formats of a kind. */
export const formatsOf = (t: ImportTable): readonly string[] => t.formats ?? IMPORT_FORMATS;

/** The queued steps of a kind. Each may be delivered twice or die halfway and still end in the same state. */
export interface ImportSteps {
  validate(env: Env, importId: number): Promise<void>;
  apply(env: Env, importId: number): Promise<void>;
  cleanup(env: Env, importId: number): Promise<void>;
  /** Compensation: undo what was written and mark the import FAILED. */
  fail(env: Env, importId: number, e: unknown): Promise<void>;
}

/** What a kind writes itself: how a part parses and how its rows are staged. */
export interface ImportKindSpec<P extends ParsedPart, F extends string = ImportFormat> extends ImportTable {
  formats?: readonly [F, ...F[]];
  parse(format: F, text: string, now: string): P;
  /** Statements that stage a part's rows (after the engine deleted an earlier upload of the part). */
  stage(db: D1Database, importId: number, partNo: number, parsed: P): D1PreparedStatement[];
  steps: ImportSteps;
}

/** A kind as the engine runs it (its part type closed over, so kinds of any part type sit in one list). */
export interface ImportKind extends ImportTable {
  /** Parses one part and stages its rows; answers the counts of the upload answer (and D1's time staging them). */
  storeParsedPart(
    db: D1Database,
    imp: ImportRecord,
    partNo: number,
    text: string,
    now: string,
  ): Promise<{ rows: number; issues: number; stageMs: number }>;
  steps: ImportSteps;
}
