import { builder } from '../../../graphql/builder';
import { ForbiddenError, NotFoundError } from '../../../lib/errors';
import { Customer } from '../../customers/graphql';
import { type CustomerRow, customersByIds } from '../../customers/repository';
import { Distributor } from '../../genealogy/graphql';
import { distributorById } from '../../genealogy/reads';
import { Lead } from '../../leads/graphql/leads';
import { dayInZone } from '../dates';
import { type LeadRow, newLeadsAssignedTo } from '../leadsBridge';
import { openTasksDue, type TaskRow } from '../tasks';
import { Task } from './tasks';

const LIST_LIMIT = 100;

interface CustomerCall {
  task: TaskRow;
  customer: CustomerRow;
}

interface MyDayShape {
  date: string;
  tasks: TaskRow[];
  newLeads: LeadRow[];
  calls: CustomerCall[];
}

const CustomerCallType = builder.objectRef<CustomerCall>('CustomerCall').implement({
  description: 'A customer to call today, and the task that says why.',
  fields: (t) => ({
    customer: t.field({ type: Customer, resolve: (c) => c.customer }),
    task: t.field({ type: Task, resolve: (c) => c.task }),
  }),
});

const MyDay = builder.objectRef<MyDayShape>('MyDay').implement({
  description: 'What a distributor should do today (days in the company time zone).',
  fields: (t) => ({
    date: t.exposeString('date', { description: 'Today, YYYY-MM-DD.' }),
    tasksDue: t.field({
      type: [Task],
      description: `Open tasks due today or overdue, oldest first (at most ${LIST_LIMIT}).`,
      resolve: (d) => d.tasks,
    }),
    overdueCount: t.int({ resolve: (d) => d.tasks.filter((x) => x.due_date < d.date).length }),
    dueTodayCount: t.int({ resolve: (d) => d.tasks.filter((x) => x.due_date === d.date).length }),
    newLeads: t.field({
      type: [Lead],
      description: `New leads assigned to the distributor, newest first (at most ${LIST_LIMIT}).`,
      resolve: (d) => d.newLeads,
    }),
    customersToCall: t.field({
      type: [CustomerCallType],
      description: 'Customers with an open FOLLOW_UP or REORDER task due today or overdue.',
      resolve: (d) => d.calls,
    }),
  }),
});

builder.queryField('myDay', (t) =>
  t.field({
    type: MyDay,
    authScopes: { admin: true, distributor: true },
    args: {
      distributorId: t.arg.globalID({ required: false, for: Distributor, description: 'Staff only.' }),
    },
    resolve: async (_r, args, ctx) => {
      const v = ctx.viewer;
      let who: number;
      if (v.kind === 'DISTRIBUTOR') {
        if (args.distributorId && Number(args.distributorId.id) !== v.distributorId)
          throw new ForbiddenError('myDay is your own.');
        who = v.distributorId;
      } else {
        if (!args.distributorId) throw new NotFoundError('Say whose day.');
        who = Number(args.distributorId.id);
        if (!(await distributorById(ctx.db, who))) throw new NotFoundError('Distributor not found.');
      }
      const { timeZone } = await ctx.loaders.settings();
      const date = dayInZone(new Date(), timeZone);
      const [tasks, newLeads, callTasks] = await Promise.all([
        openTasksDue(ctx.db, who, date, LIST_LIMIT),
        newLeadsAssignedTo(ctx.db, who, LIST_LIMIT),
        openTasksDue(ctx.db, who, date, LIST_LIMIT, ['FOLLOW_UP', 'REORDER'], 'CUSTOMER'),
      ]);
      const customers = await customersByIds(ctx.db, [...new Set(callTasks.map((x) => x.subject_id!))]);
      const byId = new Map(customers.filter((c) => c.owner_id === who).map((c) => [c.id, c]));
      const calls = callTasks.flatMap((task) => {
        const customer = byId.get(task.subject_id!);
        return customer ? [{ task, customer }] : [];
      });
      return { date, tasks, newLeads, calls };
    },
  }),
);
