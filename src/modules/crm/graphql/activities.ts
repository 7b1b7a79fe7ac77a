import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeGlobalId } from '../../../lib/globalId';
import { encodeCursor, keysetClauses } from '../../../lib/keyset';
import { actorLabel } from '../../genealogy/actorLabel';
import { Distributor, loadVisible } from '../../genealogy/graphql';
import {
  ACTIVITY_KINDS,
  type ActivityRow,
  activitiesOf,
  activityById,
  canReadActivity,
  deleteActivity,
  recordActivity,
  requireOwnActivity,
  updateActivity,
} from '../activities';
import { requireSubject, visibleSubject } from '../subjects';
import { CrmSubject, resolveSubject, subjectFromGlobalId } from './common';

export const ActivityKindEnum = builder.enumType('ActivityKind', { values: ACTIVITY_KINDS });

export const Activity = builder.objectRef<ActivityRow>('Activity');
builder.node(Activity, {
  description: 'A contact-history entry: a call, e-mail, SMS, meeting or note about a person.',
  id: { resolve: (a) => a.id },
  loadOne: async (id, ctx) => {
    const a = await activityById(ctx.db, Number(id));
    if (!a) return null;
    const s = await visibleSubject(ctx.db, ctx.viewer, { type: a.subject_type, id: a.subject_id });
    // Staff read everything; others need to see the subject too.
    if (!s && ctx.viewer.kind !== 'ADMIN') return null;
    return canReadActivity(ctx.viewer, a, s?.ownerId ?? null) ? a : null;
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'occurred_at' in o && 'subject_type' in o,
  fields: (t) => ({
    kind: t.field({ type: ActivityKindEnum, resolve: (a) => a.kind }),
    body: t.exposeString('body'),
    occurredAt: t.field({ type: 'DateTime', resolve: (a) => a.occurred_at }),
    subject: t.field({
      type: CrmSubject,
      nullable: true,
      resolve: (a, _args, ctx) => resolveSubject(ctx, a.subject_type, a.subject_id),
    }),
    author: t.string({
      description:
        'Staff, and whoever may see the author: "distributor:<id>" or "staff:<id>". Anyone else: a public name ("Anna K.", "Staff").',
      resolve: (a, _args, ctx) => actorLabel(ctx, a.author),
    }),
    authorDistributor: t.field({
      type: Distributor,
      nullable: true,
      resolve: async (a, _args, ctx) =>
        a.author_distributor_id == null
          ? null
          : (await loadVisible(ctx.db, ctx.viewer, [a.author_distributor_id]))[0],
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (a) => a.created_at }),
  }),
});

builder.queryField('activities', (t) =>
  t.connection({
    type: Activity,
    authScopes: { admin: true, distributor: true },
    description:
      'Contact history of a person, newest first: staff and the person’s owner see all of it, others their own entries.',
    args: { subjectId: t.arg.globalID({ required: true }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: async (_r, args, ctx) => {
      const subject = await requireSubject(ctx.db, ctx.viewer, subjectFromGlobalId(args.subjectId));
      return resolvePage<Promise<ActivityRow[]>>(
        {
          args,
          toCursor: (a: ActivityRow) => encodeCursor([a.occurred_at, a.id]),
          defaultSize: 20,
          maxSize: 100,
        },
        (page) =>
          activitiesOf(ctx.db, ctx.viewer, subject, keysetClauses(['occurred_at', 'id'], 'DESC', page)),
      );
    },
  }),
);

const RecordActivityInput = builder.inputType('RecordActivityInput', {
  fields: (t) => ({
    subjectId: t.globalID({ required: true, description: 'A customer, prospect, distributor or lead.' }),
    kind: t.field({ type: ActivityKindEnum, required: true }),
    body: t.string({ required: true }),
    occurredAt: t.field({ type: 'DateTime', required: false, description: 'Default: now.' }),
  }),
});

builder.mutationField('recordActivity', (t) =>
  t.field({
    type: Activity,
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'activity' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: RecordActivityInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { subjectId, ...rest } = input;
      return recordActivity(ctx.db, ctx.viewer, subjectFromGlobalId(subjectId), rest);
    },
  }),
);

const UpdateActivityInput = builder.inputType('UpdateActivityInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Activity }),
    kind: t.field({ type: ActivityKindEnum, required: false }),
    body: t.string({ required: false }),
    occurredAt: t.field({ type: 'DateTime', required: false }),
  }),
});

builder.mutationField('updateActivity', (t) =>
  t.field({
    type: Activity,
    description: 'The author (or staff) corrects an entry.',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'activity' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: UpdateActivityInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const { id, ...patch } = input;
      const current = await requireOwnActivity(ctx.db, ctx.viewer, Number(id.id));
      return updateActivity(ctx.db, current, patch);
    },
  }),
);

const DeleteActivityInput = builder.inputType('DeleteActivityInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Activity }) }),
});

builder.mutationField('deleteActivity', (t) =>
  t.field({
    type: 'ID',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'deletedId' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: DeleteActivityInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const current = await requireOwnActivity(ctx.db, ctx.viewer, Number(input.id.id));
      await deleteActivity(ctx.db, current);
      return encodeGlobalId('Activity', current.id);
    },
  }),
);
