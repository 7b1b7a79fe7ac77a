import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeGlobalId } from '../../../lib/globalId';
import { encodeCursor } from '../../../lib/keyset';
import { actorLabel } from '../../genealogy/actorLabel';
import { Distributor, visibleDistributor } from '../../genealogy/graphql';
import { isDay } from '../dates';
import { ownerScope } from '../ownerScope';
import {
  canUseTask,
  createTask,
  deleteTask,
  requireTask,
  setTaskDone,
  TASK_KINDS,
  type TaskRow,
  tasksByIds,
  tasksPage,
  updateTask,
} from '../tasks';
import { CrmSubject, resolveSubject, subjectFromGlobalId } from './common';

export const TaskKindEnum = builder.enumType('TaskKind', {
  values: {
    GENERAL: {},
    CALL: {},
    FOLLOW_UP: { description: 'How is it going (also made by the ORDER_FOLLOW_UP rule).' },
    REORDER: { description: 'A customer is about to reorder (REORDER_REMINDER rule).' },
    DORMANT: { description: 'A member without volume (DORMANT_MEMBER rule).' },
  },
});
void TASK_KINDS;

const TaskStatusEnum = builder.enumType('TaskStatusFilter', { values: ['OPEN', 'DONE', 'ALL'] as const });

export const Task = builder.objectRef<TaskRow>('Task');
builder.node(Task, {
  description: 'A follow-up with a due day and an owner.',
  id: { resolve: (t) => t.id },
  loadMany: async (ids, ctx) => {
    const rows = await tasksByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canUseTask(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'due_date' in o && 'dedupe_key' in o,
  fields: (t) => ({
    kind: t.field({ type: TaskKindEnum, resolve: (r) => r.kind }),
    title: t.exposeString('title'),
    notes: t.exposeString('notes', { nullable: true }),
    dueDate: t.exposeString('due_date', { description: 'YYYY-MM-DD in the company time zone.' }),
    done: t.boolean({ resolve: (r) => r.done_at != null }),
    doneAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.done_at }),
    subject: t.field({
      type: CrmSubject,
      nullable: true,
      resolve: (r, _a, ctx) => resolveSubject(ctx, r.subject_type, r.subject_id),
    }),
    owner: t.field({
      type: Distributor,
      nullable: true,
      resolve: (r, _a, ctx) => visibleDistributor(ctx, r.owner_id),
    }),
    automatic: t.boolean({
      description: 'Made by an automatic follow-up rule.',
      resolve: (r) => r.created_by.startsWith('rule:'),
    }),
    createdBy: t.string({
      description: 'Like Activity.author: a public name unless the viewer may see who it was.',
      resolve: (r, _a, ctx) => actorLabel(ctx, r.created_by),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
  }),
});

builder.queryField('tasks', (t) =>
  t.connection({
    type: Task,
    authScopes: { admin: true, distributor: true },
    description: 'A distributor’s own tasks (staff: one owner’s or everyone’s), by due day.',
    args: {
      ownerId: t.arg.globalID({ required: false, for: Distributor }),
      status: t.arg({ type: TaskStatusEnum, required: false, defaultValue: 'OPEN' }),
      kind: t.arg({ type: TaskKindEnum, required: false }),
      dueOnOrBefore: t.arg.string({ required: false, description: 'YYYY-MM-DD.' }),
      subjectId: t.arg.globalID({ required: false, description: 'Only tasks about this person.' }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      const owner = ownerScope(ctx.viewer, args.ownerId ? Number(args.ownerId.id) : null);
      if (args.dueOnOrBefore && !isDay(args.dueOnOrBefore))
        throw new ValidationError('Invalid day.', [
          {
            path: 'dueOnOrBefore',
            message: 'Use YYYY-MM-DD.',
            code: 'INVALID_FORMAT',
            params: { format: 'YYYY-MM-DD' },
          },
        ]);
      const subject = args.subjectId ? subjectFromGlobalId(args.subjectId) : null;
      return resolvePage<Promise<TaskRow[]>>(
        { args, toCursor: (r: TaskRow) => encodeCursor([r.due_date, r.id]), defaultSize: 20, maxSize: 100 },
        (page) =>
          tasksPage(
            ctx.db,
            { owner, status: args.status, kind: args.kind, dueOnOrBefore: args.dueOnOrBefore, subject },
            page,
          ),
      );
    },
  }),
);

const CreateTaskInput = builder.inputType('CreateTaskInput', {
  fields: (t) => ({
    ownerId: t.globalID({ required: false, for: Distributor, description: 'Staff only: whose task.' }),
    title: t.string({ required: true }),
    kind: t.field({ type: TaskKindEnum, required: false, description: 'Default GENERAL.' }),
    notes: t.string({ required: false }),
    dueDate: t.string({ required: true, description: 'YYYY-MM-DD.' }),
    subjectId: t.globalID({ required: false, description: 'A customer, prospect, distributor or lead.' }),
  }),
});

builder.mutationField('createTask', (t) =>
  t.field({
    type: Task,
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'task' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { ownerId, subjectId, ...rest } = input;
      return createTask(
        ctx.db,
        ctx.viewer,
        ownerId ? Number(ownerId.id) : null,
        subjectId ? subjectFromGlobalId(subjectId) : null,
        rest,
      );
    },
  }),
);

const UpdateTaskInput = builder.inputType('UpdateTaskInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Task }),
    title: t.string({ required: false }),
    kind: t.field({ type: TaskKindEnum, required: false }),
    notes: t.string({ required: false }),
    dueDate: t.string({ required: false, description: 'YYYY-MM-DD.' }),
  }),
});

builder.mutationField('updateTask', (t) =>
  t.field({
    type: Task,
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'task' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const { id, ...patch } = input;
      return updateTask(ctx.db, await requireTask(ctx.db, ctx.viewer, Number(id.id)), patch);
    },
  }),
);

const SetTaskDoneInput = builder.inputType('SetTaskDoneInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Task }),
    done: t.boolean({ required: true }),
  }),
});

builder.mutationField('setTaskDone', (t) =>
  t.field({
    type: Task,
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'task' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: SetTaskDoneInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      setTaskDone(ctx.db, await requireTask(ctx.db, ctx.viewer, Number(input.id.id)), input.done),
  }),
);

const DeleteTaskInput = builder.inputType('DeleteTaskInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Task }) }),
});

builder.mutationField('deleteTask', (t) =>
  t.field({
    type: 'ID',
    description: 'Removes a task. Automatic tasks are marked done instead (the rule would make them again).',
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'deletedId' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: DeleteTaskInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const current = await requireTask(ctx.db, ctx.viewer, Number(input.id.id));
      if (current.dedupe_key != null)
        throw new ConflictError('An automatic task is marked done, not deleted.', 'AUTOMATIC_TASK');
      await deleteTask(ctx.db, current);
      return encodeGlobalId('Task', current.id);
    },
  }),
);
