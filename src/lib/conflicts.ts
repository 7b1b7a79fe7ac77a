import type { ConflictError } from './errors';

// Races end in the database: a CHECK, UNIQUE or NOT NULL guard aborts the loser's batch, or a conditional
// UPDATE changes no row. Repositories turn that into a typed ConflictError (never "Unexpected error.").

export type ConstraintKind = 'CHECK' | 'UNIQUE' | 'NOT NULL' | 'FOREIGN KEY' | 'PRIMARY KEY';

export interface ConstraintFailure {
  kind: ConstraintKind;
  /** What SQLite names after "constraint failed: " (columns, or the CHECK expression). */
  on: string;
}

/** The constraint failure a D1 error reports, or null for any other error. */
export function constraintFailure(e: unknown): ConstraintFailure | null {
  const m = /(CHECK|UNIQUE|NOT NULL|FOREIGN KEY|PRIMARY KEY) constraint failed(?:: ([^:]*))?/.exec(
    String((e as Error)?.message ?? e),
  );
  return m ? { kind: m[1] as ConstraintKind, on: (m[2] ?? '').trim() } : null;
}

/**
 * Runs a write; when a constraint the caller names aborts it (`guards`: substrings of the failure, e.g.
 * "order_line.refunded_quantity" or "refunded_quantity"), throws `conflict` instead. Other errors pass.
 */
export async function orConflict<T>(
  write: () => Promise<T>,
  guards: { kind: ConstraintKind; on?: string }[],
  conflict: () => ConflictError,
): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const failure = constraintFailure(e);
    if (failure && guards.some((g) => g.kind === failure.kind && (!g.on || failure.on.includes(g.on))))
      throw conflict();
    throw e;
  }
}

/** A conditional UPDATE that changed no row lost a race: the row is no longer in the state it required. */
export function requireChanged(result: D1Result, conflict: () => ConflictError): void {
  if ((result.meta?.changes ?? 0) === 0) throw conflict();
}
