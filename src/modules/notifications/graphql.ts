import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ForbiddenError, ValidationError } from '../../lib/errors';
import { encodeGlobalId } from '../../lib/globalId';
import { encodeCursor, keysetClauses } from '../../lib/keyset';
import { NOTIFICATION_KINDS, NOTIFICATION_SUBJECTS, type NotificationSubject } from './model';
import { markNotificationsRead, notificationById, notificationsPage, unreadCount } from './repository';
import type { NotificationRow } from './tables';

const NotificationKind = builder.enumType('NotificationKind', { values: NOTIFICATION_KINDS });
const NotificationSubjectType = builder.enumType('NotificationSubjectType', {
  values: NOTIFICATION_SUBJECTS,
});

/** The node type each subject's id is a global id of. */
const NODE_TYPE: Record<NotificationSubject, string> = {
  LEAD: 'Lead',
  ORDER: 'Order',
  CUSTOMER: 'Customer',
  PROSPECT: 'Prospect',
  DISTRIBUTOR: 'Distributor',
  PERIOD: 'CommissionPeriod',
  MESSAGE: 'OutboxMessage',
  OFFER: 'Offer',
};

export const Notification = builder.objectRef<NotificationRow>('Notification');
builder.node(Notification, {
  description: 'Something that happened that the signed-in distributor should know about.',
  id: { resolve: (n) => n.id },
  loadOne: (id, ctx) => notificationById(ctx.db, ctx.viewer, Number(id)),
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'kind' in o && 'read_at' in o && 'dedupe_key' in o,
  fields: (t) => ({
    kind: t.field({ type: NotificationKind, resolve: (n) => n.kind }),
    subjectType: t.field({
      type: NotificationSubjectType,
      nullable: true,
      resolve: (n) => n.subject_type as NotificationSubject | null,
    }),
    subjectId: t.id({
      nullable: true,
      description: 'The global id of what the notification is about (open it with node(id:)).',
      resolve: (n) =>
        n.subject_type && n.subject_id
          ? encodeGlobalId(NODE_TYPE[n.subject_type as NotificationSubject], n.subject_id)
          : null,
    }),
    payload: t.field({
      type: 'JSON',
      description: 'What the notification shows (names, numbers), as they were when it happened.',
      resolve: (n) => JSON.parse(n.payload),
    }),
    read: t.boolean({ resolve: (n) => n.read_at !== null }),
    readAt: t.field({ type: 'DateTime', nullable: true, resolve: (n) => n.read_at }),
    createdAt: t.field({ type: 'DateTime', resolve: (n) => n.created_at }),
  }),
});

builder.queryField('notifications', (t) =>
  t.connection(
    {
      type: Notification,
      authScopes: { distributor: true },
      description: 'The signed-in distributor’s notifications, newest first.',
      args: { unreadOnly: t.arg.boolean({ required: false }) },
      complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
      resolve: (_r, args, ctx) =>
        resolvePage<Promise<NotificationRow[]>>(
          { args, toCursor: (n: NotificationRow) => encodeCursor([n.id]), defaultSize: 20, maxSize: 100 },
          (page) =>
            notificationsPage(
              ctx.db,
              ctx.viewer,
              keysetClauses(['id'], 'DESC', page),
              args.unreadOnly === true,
            ),
        ),
    },
    {
      fields: (c) => ({
        unreadCount: c.int({
          description: 'How many of the distributor’s notifications are unread (all of them, not this page).',
          resolve: (_c, _a, ctx) => unreadCount(ctx.db, ctx.viewer),
        }),
      }),
    },
  ),
);

const MarkNotificationsReadInput = builder.inputType('MarkNotificationsReadInput', {
  fields: (t) => ({
    ids: t.globalIDList({ required: false, for: Notification, description: 'At most 100.' }),
    all: t.boolean({ required: false, description: 'true: every notification of yours.' }),
  }),
});

const NotificationsRead = builder
  .objectRef<{ marked: number; unreadCount: number }>('NotificationsRead')
  .implement({
    fields: (t) => ({
      marked: t.exposeInt('marked', { description: 'How many were unread and are read now.' }),
      unreadCount: t.exposeInt('unreadCount'),
    }),
  });

builder.mutationField('markNotificationsRead', (t) =>
  t.field({
    type: NotificationsRead,
    description: 'Marks some of your notifications (ids) or all of them (all: true) read.',
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'result' } },
    args: { input: t.arg({ type: MarkNotificationsReadInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      markNotificationsRead(ctx.db, ctx.viewer, {
        ids: input.ids?.map((g) => Number(g.id)),
        all: input.all ?? null,
      }),
  }),
);
