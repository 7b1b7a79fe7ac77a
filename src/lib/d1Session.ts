// D1 read replication: every request runs its queries in one D1 session (Sessions API), so that reads may
// go to a nearby replica while a client still reads its own writes through the bookmark it carries.

/** The request and response header carrying a D1 bookmark. */
export const BOOKMARK_HEADER = 'x-d1-bookmark';

export type SessionStart = 'first-primary' | 'first-unconstrained';

/**
 * The shape of a D1 bookmark (the Durable Object storage bookmark D1 is built on: three 8-digit hex
 * counters and a 32-digit hash, e.g. `0000002a-00000003-00004f6d-5c3…`). A value that does not have it is
 * not passed to D1: the session API keeps the largest bookmark it has seen by string order, so a garbage
 * value such as "zzz" would be echoed back on every later response.
 */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export function isBookmark(value: string): boolean {
  return BOOKMARK.test(value);
}

export interface RequestDatabase {
  /** The database the request's code uses: queries and batches run in the session. */
  db: D1Database;
  /** The session's latest bookmark; before its first query the client's (if well-formed) or null; null without sessions. */
  bookmark(): string | null;
}

/**
 * A session of `db`. Writes start at the primary (it is ahead of any bookmark). Reads start at the client's
 * bookmark when it has the right shape, anywhere (`first-unconstrained`) without one, and at the primary
 * when the value is malformed (ignored rather than refused: the primary has every write, so the client
 * still reads its own). A binding without `withSession` (an older runtime) is used as it is.
 */
export function requestDatabase(
  db: D1Database,
  start: SessionStart,
  clientBookmark: string | null,
): RequestDatabase {
  if (typeof db.withSession !== 'function') return { db, bookmark: () => null };
  const given = clientBookmark?.trim() || null;
  const anchor =
    start === 'first-primary' || given == null ? start : isBookmark(given) ? given : 'first-primary';
  const session = db.withSession(anchor);
  // The code takes a D1Database; a session has prepare and batch only. exec (migrations) and dump never run
  // in a request; withSession goes to the binding.
  const sessionDb: D1Database = {
    prepare: (query) => session.prepare(query),
    batch: (statements) => session.batch(statements),
    exec: (query) => db.exec(query),
    withSession: (anchorOrBookmark) => db.withSession(anchorOrBookmark),
    dump: () => db.dump(),
  };
  // A request that made no query (a staff request answered from the token alone) has no session bookmark:
  // the client's own, when well-formed, is still the right one to keep.
  const echoed = given != null && isBookmark(given) ? given : null;
  return { db: sessionDb, bookmark: () => session.getBookmark() ?? echoed };
}
