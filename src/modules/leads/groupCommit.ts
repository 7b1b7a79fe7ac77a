// Group commit of carried deliveries within the isolate. Each accepted webhook needs its delivery durable
// (an R2 inbox object, inbox.ts) and queued before it answers 200. One R2 write and one queue send per request
// capped intake at ~320/s on one workerd thread; here the requests that arrive together join one group: its
// first member (the leader) lets the others join while earlier groups are being written (at most
// MAX_FLUSHES_IN_FLIGHT at once, at most MAX_GROUP_WAIT_MS) or until the group is full, then writes ONE inbox
// object holding the whole group and sends the group's messages in ONE sendBatch (one message per delivery,
// each naming the object, so the consumer's batches and limits are as before). Only then does every member
// answer 200; when the write or the send fails, every member gets the error (the sender retries; a redelivery
// changes nothing) and the group object is deleted again, so nothing is left half written.
//
// workerd's rules for work shared between requests: I/O objects never cross requests, so the leader does all
// of the group's I/O with its own bindings and only plain data (the deliveries, each member's outcome) passes
// between requests. No request resolves a promise another request awaits: tried first, the followers'
// continuations then ran in the leader's context and every follower failed with "Cannot perform I/O on behalf
// of a different request" and hung. So each waiting request (a member for its outcome, a leader for a free
// slot or a full group) looks at the shared state after timers of its own (1, 2, 4 … MAX_POLL_MS ms), which
// always resume it in its own context. The leader's flush runs under its own ctx.waitUntil, so a sender
// hanging up on the leader does not cancel the write the other members wait for. At low load a group is one
// request and adds about a millisecond.
import { groupKey, putGroupInInbox, removeFromInbox } from './inbox';
import type { LeadJob, QueuedDelivery } from './messages';

/** sendBatch takes at most 100 messages… */
export const MAX_GROUP_DELIVERIES = 100;
/** …and 256 KB in all: a group's messages stay well under it (one message is at most QUEUED_MESSAGE_LIMIT). */
export const MAX_GROUP_BYTES = 192 * 1024;
/** Groups written at the same time; a new group's leader waits for one to finish (or for a full group). */
export const MAX_FLUSHES_IN_FLIGHT = 2;
/** The longest a leader waits for a free slot, so a slow write never holds later groups for long. */
export const MAX_GROUP_WAIT_MS = 50;
/** The longest pause between two looks of a waiting request at its outcome. */
const MAX_POLL_MS = 8;
/** How long a member waits for its leader at most (timer time asked for; the real wait is at least this). */
const MAX_MEMBER_WAIT_MS = 20_000;

/** What group commit needs of the environment: the inbox bucket and the lead queue. */
export interface GroupCommitEnv {
  FILES: R2Bucket;
  LEADS: Queue<LeadJob>;
}

interface Member {
  delivery: QueuedDelivery;
  outcome: { ok: true } | { ok: false; error: unknown } | null;
}

interface Group {
  members: Member[];
  bytes: number;
  closed: boolean;
}

/** The group new deliveries join, while its leader waits. */
let open: Group | null = null;
let flushesInFlight = 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves once the delivery is in a group object in R2 and its queue message is sent; rejects with the
 * group's error otherwise. `bytes`: the size of its queue message.
 */
export async function commitDelivery(
  env: GroupCommitEnv,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  delivery: QueuedDelivery,
  bytes: number,
): Promise<void> {
  if (open && (open.members.length >= MAX_GROUP_DELIVERIES || open.bytes + bytes > MAX_GROUP_BYTES))
    close(open);
  let group = open;
  const leader = group === null;
  if (group === null) {
    group = { members: [], bytes: 0, closed: false };
    open = group;
  }
  const member: Member = { delivery, outcome: null };
  group.members.push(member);
  group.bytes += bytes;
  if (group.members.length >= MAX_GROUP_DELIVERIES) close(group);
  if (leader) {
    const flush = lead(env, group);
    ctx.waitUntil(flush);
    await flush;
  } else {
    for (let pause = 1, waited = 0; member.outcome === null; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      // A leader whose context the runtime tore down never settles its group: answer an error (the sender
      // retries; a redelivery changes nothing) rather than wait for ever.
      if (waited >= MAX_MEMBER_WAIT_MS) throw new Error('The lead group was not written in time.');
      await sleep(pause);
      waited += pause;
    }
  }
  const outcome = member.outcome;
  if (outcome && !outcome.ok) throw outcome.error;
}

function close(group: Group): void {
  group.closed = true;
  if (open === group) open = null;
}

/** The leader: lets the group fill while the write slots are busy, then writes it and settles its members. */
async function lead(env: GroupCommitEnv, group: Group): Promise<void> {
  let outcome: NonNullable<Member['outcome']> = {
    ok: false,
    error: new Error('The lead group was not written.'),
  };
  try {
    // One tick first: requests already waiting to run join this group rather than start their own.
    await sleep(0);
    for (
      let waited = 0;
      !group.closed && flushesInFlight >= MAX_FLUSHES_IN_FLIGHT && waited < MAX_GROUP_WAIT_MS;
      waited++
    )
      await sleep(1);
    close(group);
    flushesInFlight++;
    try {
      await writeGroup(
        env,
        group.members.map((m) => m.delivery),
      );
      outcome = { ok: true };
    } finally {
      flushesInFlight--;
    }
  } catch (error) {
    console.error(`a group of ${group.members.length} lead deliveries could not be written`, error);
    outcome = { ok: false, error };
  } finally {
    // Whatever happened, every member is answered: none may wait for ever.
    close(group);
    for (const m of group.members) m.outcome = outcome;
  }
}

/**
 * One inbox object for the group, then its messages in one sendBatch. A failed send deletes the object again
 * (nothing half written: every member is answered with an error and retried by its sender); should that
 * delete fail too, the sweep keeps what the object holds, which a redelivery would have kept anyway.
 */
export async function writeGroup(env: GroupCommitEnv, deliveries: readonly QueuedDelivery[]): Promise<void> {
  const key = groupKey();
  const size = deliveries.length;
  await putGroupInInbox(env.FILES, key, deliveries);
  try {
    await env.LEADS.sendBatch(
      deliveries.map((delivery, index) => ({
        body: { kind: 'leads.intake', delivery, inbox: { key, index, size } } satisfies LeadJob,
      })),
    );
  } catch (e) {
    await removeFromInbox(env.FILES, [key]);
    throw e;
  }
}
