import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { decodeCursor, encodeCursor } from '../../lib/keyset';
import { DEAD_LETTER_PREFIX, type DEAD_LETTER_STATUSES, type DeadLetterSummary } from './model';
import { listDeadLetters } from './repository';
import { deadLetterBody, replayDeadLetter } from './service';

const DeadLetterStatusEnum = builder.enumType('DeadLetterStatus', {
  values: {
    PENDING: { description: 'Kept; its dead-letter handling did not run or failed (replay it).' },
    SETTLED: { description: 'Kept, and handled as a dead letter (lead intakes marked FAILED).' },
    REPLAYED: { description: 'Sent back to its queue by staff (lead messages to the lead queue).' },
  } satisfies Record<(typeof DEAD_LETTER_STATUSES)[number], unknown>,
});

const DeadLetter = builder.objectRef<DeadLetterSummary>('DeadLetter').implement({
  description:
    'A jobs-queue message whose retries were spent, kept in R2 as it was delivered to the dead-letter queue.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The R2 object key; replayDeadLetter takes it.' }),
    queue: t.exposeString('queue'),
    kind: t.exposeString('kind', { description: 'The job kind, e.g. leads.intake.' }),
    attempts: t.exposeInt('attempts', { description: 'Deliveries on the dead-letter queue.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it failed, when known.' }),
    receivedAt: t.field({ type: 'DateTime', resolve: (d) => d.receivedAt }),
    status: t.field({ type: DeadLetterStatusEnum, resolve: (d) => d.status }),
    body: t.string({
      nullable: true,
      description:
        'The message body as JSON text (a carried lead delivery holds the raw webhook body, content type and source).',
      resolve: (d, _a, ctx) => deadLetterBody(ctx.env, d.key),
    }),
  }),
});

/** The key a cursor names (a key of this prefix, or a refusal). */
function keyOfCursor(cursor: string): string {
  const [key] = decodeCursor(cursor, 1);
  if (typeof key === 'string' && key.startsWith(DEAD_LETTER_PREFIX)) return key;
  throw new ValidationError('Invalid cursor.', [
    {
      path: 'after',
      message: 'Use a cursor returned by this connection.',
      code: 'INVALID_FORMAT',
      params: { format: 'cursor' },
    },
  ]);
}

builder.queryFields((t) => ({
  deadLetters: t.connection({
    type: DeadLetter,
    authScopes: { admin: true },
    description:
      'Staff: dead letters kept in R2, in key order (oldest first); forward paging only (first/after); status keeps only those in that state.',
    args: { status: t.arg({ type: DeadLetterStatusEnum, required: false }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      if (args.last != null || args.before != null)
        throw new ValidationError('Dead letters page forward only.', [
          {
            path: args.last != null ? 'last' : 'before',
            message: 'Use first and after.',
            code: 'INVALID',
          },
        ]);
      const startAfter = args.after ? keyOfCursor(args.after) : null;
      return resolvePage<Promise<DeadLetterSummary[]>>(
        { args, toCursor: (d: DeadLetterSummary) => encodeCursor([d.key]), defaultSize: 20, maxSize: 100 },
        async ({ limit }) =>
          (await listDeadLetters(ctx.env.FILES, { first: limit, startAfter, status: args.status ?? null }))
            .rows,
      );
    },
  }),
}));

builder.mutationFields((t) => ({
  replayDeadLetter: t.field({
    type: DeadLetter,
    description:
      'Staff: send a dead letter’s message back to its queue, the lead queue for lead messages and the jobs queue for the rest (processing is idempotent: a lead already in comes in no second time). Once per dead letter: again answers ConflictError ALREADY_REPLAYED.',
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'deadLetter' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('ReplayDeadLetterInput', {
          fields: (f) => ({ key: f.string({ required: true }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => replayDeadLetter(ctx.env, input.key, ctx.jobSpecOf),
  }),
}));
