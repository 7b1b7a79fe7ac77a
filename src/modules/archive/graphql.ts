// GraphQL of the archive (staff only): the company's horizon, a period's archive, and archiving a period now.
import { builder } from '../../graphql/builder';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { PARTS } from './model';
import { archiveOf, loadHorizon, type PeriodArchiveRow } from './repository';
import { archivePeriod, updateHorizon } from './start';

const ArchiveStatusEnum = builder.enumType('PeriodArchiveStatus', {
  values: {
    WRITING: { description: 'Chunks are being written to R2; the period is read from D1.' },
    VERIFIED: {
      description:
        'Every chunk was read back and matched; the period is read from R2, live rows are being deleted.',
    },
    ARCHIVED: { description: 'The detailed rows live in R2 only.' },
  } as const,
});

const PartCount = builder.objectRef<{ part: string; rows: number }>('PeriodArchivePart').implement({
  fields: (t) => ({
    part: t.exposeString('part', {
      description: 'snapshot, commission_line, volume_line, refund_line, order_line, payment or lead_event.',
    }),
    rows: t.exposeInt('rows'),
  }),
});

const PeriodArchive = builder.objectRef<PeriodArchiveRow>('PeriodArchive').implement({
  description:
    'Where a committed period’s detailed rows (commission, volume and order lines, the frozen snapshot, raw lead events) live once it is older than the archive horizon.',
  fields: (t) => ({
    period: t.exposeString('period_id'),
    status: t.field({ type: ArchiveStatusEnum, resolve: (a) => a.status }),
    location: t.exposeString('location', {
      description: 'The R2 key prefix of its chunks and manifest.json.',
    }),
    parts: t.field({
      type: [PartCount],
      description: 'Rows of each part written so far.',
      resolve: (a) => {
        const counts = JSON.parse(a.counts) as Record<string, number>;
        return PARTS.filter((p) => counts[p] != null).map((part) => ({ part, rows: counts[part] }));
      },
    }),
    startedAt: t.exposeString('started_at'),
    verifiedAt: t.exposeString('verified_at', { nullable: true }),
    archivedAt: t.exposeString('archived_at', { nullable: true }),
  }),
});

const ArchiveSettings = builder.objectRef<{ horizonPeriods: number | null }>('ArchiveSettings').implement({
  fields: (t) => ({
    horizonPeriods: t.exposeInt('horizonPeriods', {
      nullable: true,
      description:
        'Committed periods (newest first) kept live in the database; older ones are archived. Null: none.',
    }),
  }),
});

builder.queryFields((t) => ({
  archiveSettings: t.field({
    type: ArchiveSettings,
    authScopes: { admin: true },
    resolve: async (_r, _a, ctx) => ({ horizonPeriods: await loadHorizon(ctx.db) }),
  }),
  periodArchive: t.field({
    type: PeriodArchive,
    nullable: true,
    authScopes: { admin: true },
    args: { period: t.arg.string({ required: true }) },
    resolve: (_r, { period }, ctx) => archiveOf(ctx.db, period),
  }),
}));

const HorizonInput = builder.inputType('UpdateArchiveHorizonInput', {
  fields: (t) => ({
    periods: t.int({
      required: false,
      description: '1 to 120 committed periods kept live; null archives nothing.',
    }),
  }),
});

builder.mutationField('updateArchiveHorizon', (t) =>
  t.field({
    type: ArchiveSettings,
    errors: { types: [ValidationError], dataField: { name: 'settings' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: HorizonInput, required: true }) },
    resolve: async (_r, { input }, ctx) => ({
      horizonPeriods: await updateHorizon(ctx.db, { periods: input.periods ?? null }),
    }),
  }),
);

const ArchiveInput = builder.inputType('ArchiveCommissionPeriodInput', {
  fields: (t) => ({ period: t.string({ required: true, description: 'YYYY-MM' }) }),
});

builder.mutationField('archiveCommissionPeriod', (t) =>
  t.field({
    type: PeriodArchive,
    description:
      'Moves a committed period beyond the horizon to the archive now (a queued job; the hourly cron does it too).',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'archive' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: ArchiveInput, required: true }) },
    resolve: (_r, { input }, ctx) => archivePeriod(ctx.env, input.period),
  }),
);
