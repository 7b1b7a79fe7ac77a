// Staff's view of the job mechanism: every queued job with its state, and retry / cancel (each kind's spec
// comes with the request context, from the job router's list in routes.ts).
import { builder } from '../graphql/builder';
import { resolvePage } from '../graphql/pages';
import { ConflictError, NotFoundError } from '../lib/errors';
import { encodeCursor } from '../lib/keyset';
import { actorOf } from '../modules/auth/actor';
import { CommissionPeriod } from '../modules/commissions/graphql/periods';
import { JOB_STATUSES } from '../modules/jobs/model';
import { jobById, jobsPage } from '../modules/jobs/repository';
import { cancelJob, retryJob } from '../modules/jobs/staff';
import type { JobRow } from '../modules/jobs/tables';

const JobStatus = builder.enumType('JobStatus', {
  values: JOB_STATUSES,
  description:
    'QUEUED (sent, waiting), RUNNING (a consumer has it), RETRYING (failed, redelivered after a backoff), DONE, FAILED (retries spent, a permanent failure, or stalled: staff retry or cancel it), CANCELLED.',
});

export const Job = builder.objectRef<JobRow>('Job');
builder.node(Job, {
  id: { resolve: (j) => j.id },
  loadOne: (id, ctx) => (ctx.viewer.kind === 'ADMIN' ? jobById(ctx.db, String(id)) : null),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'max_attempts' in o && 'redrives' in o,
  description: 'A queued job (a period close, an import, a what-if, an autoship order): staff only.',
  fields: (t) => ({
    key: t.exposeString('id', {
      description: "The job's key, e.g. period-close:2026-11:1 or orderImport:12.",
    }),
    kind: t.exposeString('kind'),
    subject: t.exposeString('subject', { description: 'What it works on, in words.' }),
    status: t.field({ type: JobStatus, resolve: (j) => j.status }),
    step: t.exposeString('step', { description: 'The queue message kind of the current step.' }),
    attempts: t.exposeInt('attempts', { description: 'Deliveries of the current step so far.' }),
    maxAttempts: t.exposeInt('max_attempts'),
    redrives: t.exposeInt('redrives', { description: 'Re-sends of the current step by the watchdog.' }),
    lastError: t.exposeString('last_error', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (j) => j.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (j) => j.updated_at }),
    heartbeatAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.heartbeat_at }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.next_attempt_at }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (j) => j.finished_at }),
  }),
});

builder.queryField('jobs', (t) =>
  t.connection({
    type: Job,
    authScopes: { admin: true },
    description: 'Queued jobs, newest first (staff): filter by status to find the FAILED ones.',
    args: { status: t.arg({ type: JobStatus, required: false }), kind: t.arg.string({ required: false }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) =>
      resolvePage<Promise<JobRow[]>>(
        { args, toCursor: (j: JobRow) => encodeCursor([j.created_at, j.id]), defaultSize: 20, maxSize: 100 },
        (page) => jobsPage(ctx.db, { status: args.status, kind: args.kind }, page),
      ),
  }),
);

const JobInput = (name: string) =>
  builder.inputType(name, { fields: (t) => ({ id: t.globalID({ required: true, for: Job }) }) });

builder.mutationField('retryJob', (t) =>
  t.field({
    type: Job,
    description: "A FAILED job's current step is sent again with fresh attempts (the steps are idempotent).",
    errors: { types: [NotFoundError, ConflictError], dataField: { name: 'job' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: JobInput('RetryJobInput'), required: true }) },
    resolve: (_r, { input }, ctx) => retryJob(ctx.env, String(input.id.id), ctx.jobSpecOf),
  }),
);

builder.mutationField('cancelJob', (t) =>
  t.field({
    type: Job,
    description:
      'Cancels a job that is waiting, retrying, failed or stalled (never a step running now): an import is undone, a close returns the period to OPEN, a what-if run is FAILED.',
    errors: { types: [NotFoundError, ConflictError], dataField: { name: 'job' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: JobInput('CancelJobInput'), required: true }) },
    resolve: (_r, { input }, ctx) =>
      cancelJob(ctx.env, String(input.id.id), ctx.jobSpecOf, actorOf(ctx.viewer)),
  }),
);

builder.objectFields(CommissionPeriod, (t) => ({
  job: t.field({
    type: Job,
    nullable: true,
    description: 'The job of its latest close run: what it is doing, or why it stopped (staff).',
    resolve: (p, _a, ctx) => (p.run > 0 ? jobById(ctx.db, `period-close:${p.id}:${p.run}`) : null),
  }),
}));
