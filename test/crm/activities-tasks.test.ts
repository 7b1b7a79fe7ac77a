import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, globalId, gqlOk } from '../helpers';
import { createCustomer } from '../orders/helpers';
import { CREATE_TASK, createProspect, crmState, RECORD_ACTIVITY } from './helpers';

let admin: string;
let root: number;
let a: number;
let aT: string;
let c: number; // a's downline
let cT: string;
let b: number; // another branch
let bT: string;
let customerA: string;
let prospectA: string;
let leadA: string;

const today = () =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Copenhagen',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
const shift = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function insertLead(assigned: number | null, status = 'NEW'): Promise<number> {
  const now = new Date().toISOString();
  const r = await env.DB.prepare(
    `INSERT INTO lead (source, external_id, status, full_name, email, assigned_distributor_id, created_at, updated_at)
     VALUES ('GENERIC', ?, ?, 'Lea Lead', 'lea@example.com', ?, ?, ?) RETURNING id`,
  )
    .bind(`ext-${Math.random()}`, status, assigned, now, now)
    .first<{ id: number }>();
  return r!.id;
}

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  a = await enroll(admin, root);
  b = await enroll(admin, root);
  c = await enroll(admin, a);
  [aT, bT, cT] = await Promise.all([distributorToken(a), distributorToken(b), distributorToken(c)]);
  customerA = globalId('Customer', await createCustomer(aT, { firstName: 'Kunde', lastName: 'A' }));
  prospectA = await createProspect(aT, { firstName: 'Pia', lastName: 'Prospect' });
  leadA = globalId('Lead', await insertLead(a));
});

const record = (token: string, subjectId: string, body = 'Called, will order next week', kind = 'CALL') =>
  gqlOk(RECORD_ACTIVITY, { input: { subjectId, kind, body } }, token).then((d) => d.recordActivity);

const HISTORY = `query($id: ID!) { activities(subjectId: $id, first: 20) { edges { node { id kind body author } } } }`;

describe('activities', () => {
  it('on a customer, prospect, lead and downline distributor the author may see', async () => {
    for (const [subject, type] of [
      [customerA, 'Customer'],
      [prospectA, 'Prospect'],
      [leadA, 'Lead'],
      [gid(c), 'Distributor'],
    ]) {
      const r = await record(aT, subject);
      expect(r.__typename).toBe('MutationRecordActivitySuccess');
      expect(r.activity.subject.__typename).toBe(type);
      expect(r.activity.author).toBe(`distributor:${a}`);
    }
    const h = (await gqlOk(HISTORY, { id: customerA }, aT)).activities.edges;
    expect(h).toHaveLength(1);
  });

  it('someone else’s customer, prospect, lead or an upline: typed error, nothing written', async () => {
    const before = await crmState();
    for (const subject of [customerA, prospectA, leadA, gid(a), gid(root)]) {
      const r = await record(bT, subject);
      expect(r.__typename).toBe('NotFoundError');
    }
    // c may not write on its upline a either.
    expect((await record(cT, gid(a))).__typename).toBe('NotFoundError');
    // not a person's id
    expect((await record(aT, btoa('Product:1'))).__typename).toBe('ValidationError');
    expect(await crmState()).toBe(before);
  });

  it('notes an upline writes about a downline member stay the upline’s; staff see all', async () => {
    await record(aT, gid(c), 'Private coaching note', 'NOTE');
    await record(cT, gid(c), 'My own note', 'NOTE');
    const seenByC = (await gqlOk(HISTORY, { id: gid(c) }, cT)).activities.edges.map((e: any) => e.node.body);
    expect(seenByC).toEqual(['My own note']);
    const seenByA = (await gqlOk(HISTORY, { id: gid(c) }, aT)).activities.edges.map((e: any) => e.node.body);
    expect(seenByA).not.toContain('My own note');
    expect(seenByA).toContain('Private coaching note');
    const seenByStaff = (await gqlOk(HISTORY, { id: gid(c) }, admin)).activities.edges;
    expect(seenByStaff.length).toBe(seenByA.length + 1);
  });

  it('only the author updates or deletes an entry', async () => {
    const r = await record(aT, customerA, 'typo');
    const id = r.activity.id;
    const UPD = `mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { __typename ... on MutationUpdateActivitySuccess { activity { body } } } }`;
    const DEL = `mutation($input: DeleteActivityInput!) { deleteActivity(input: $input) { __typename } }`;
    const before = await crmState();
    expect((await gqlOk(UPD, { input: { id, body: 'hacked' } }, bT)).updateActivity.__typename).toBe(
      'NotFoundError',
    );
    expect((await gqlOk(DEL, { input: { id } }, bT)).deleteActivity.__typename).toBe('NotFoundError');
    expect(await crmState()).toBe(before);
    expect((await gqlOk(UPD, { input: { id, body: 'fixed' } }, aT)).updateActivity.activity.body).toBe(
      'fixed',
    );
    expect((await gqlOk(DEL, { input: { id } }, aT)).deleteActivity.__typename).toBe(
      'MutationDeleteActivitySuccess',
    );
    // validation
    const empty = await record(aT, customerA, '   ');
    expect(empty.__typename).toBe('ValidationError');
  });
});

describe('tasks and myDay', () => {
  const create = (token: string, input: Record<string, unknown>) =>
    gqlOk(CREATE_TASK, { input }, token).then((d) => d.createTask);
  const MY_DAY = `{ myDay { date overdueCount dueTodayCount tasksDue { title dueDate kind } newLeads { id fullName }
    customersToCall { customer { id firstName } task { title kind } } } }`;

  it('create, done and undone, and myDay with tasks, new leads and customers to call', async () => {
    const t = today();
    const overdue = await create(aT, {
      title: 'Overdue call',
      kind: 'CALL',
      dueDate: shift(t, -2),
      subjectId: prospectA,
    });
    expect(overdue.__typename).toBe('MutationCreateTaskSuccess');
    expect(overdue.task.subject.__typename).toBe('Prospect');
    await create(aT, { title: 'Follow up Kunde', kind: 'FOLLOW_UP', dueDate: t, subjectId: customerA });
    await create(aT, { title: 'Later', dueDate: shift(t, 3) });
    const done = await create(aT, { title: 'Done already', dueDate: t });
    const SET = `mutation($input: SetTaskDoneInput!) { setTaskDone(input: $input) { __typename ... on MutationSetTaskDoneSuccess { task { done doneAt } } } }`;
    const d1 = (await gqlOk(SET, { input: { id: done.task.id, done: true } }, aT)).setTaskDone;
    expect(d1.task.done).toBe(true);
    const d2 = (await gqlOk(SET, { input: { id: done.task.id, done: true } }, aT)).setTaskDone;
    expect(d2.task.doneAt).toBe(d1.task.doneAt);
    const undone = await create(aT, { title: 'Undone again', dueDate: t });
    await gqlOk(SET, { input: { id: undone.task.id, done: true } }, aT);
    expect((await gqlOk(SET, { input: { id: undone.task.id, done: false } }, aT)).setTaskDone.task.done).toBe(
      false,
    );
    await insertLead(a, 'NEW');
    await insertLead(b, 'NEW');

    const day = (await gqlOk(MY_DAY, {}, aT)).myDay;
    expect(day.date).toBe(t);
    expect(day.tasksDue.map((x: any) => x.title)).toEqual([
      'Overdue call',
      'Follow up Kunde',
      'Undone again',
    ]);
    expect(day.overdueCount).toBe(1);
    expect(day.dueTodayCount).toBe(2);
    expect(day.newLeads).toHaveLength(2); // the beforeAll lead and this one, not b's
    expect(day.customersToCall.map((x: any) => [x.customer.firstName, x.task.kind])).toEqual([
      ['Kunde', 'FOLLOW_UP'],
    ]);
    // b's day is b's own
    expect((await gqlOk(MY_DAY, {}, bT)).myDay.tasksDue).toEqual([]);
  });

  it('someone else’s task: typed errors and nothing written; staff assign tasks to anyone', async () => {
    const own = await create(aT, { title: 'Mine', dueDate: today() });
    const before = await crmState();
    const SET = `mutation($input: SetTaskDoneInput!) { setTaskDone(input: $input) { __typename } }`;
    const UPD = `mutation($input: UpdateTaskInput!) { updateTask(input: $input) { __typename } }`;
    const DEL = `mutation($input: DeleteTaskInput!) { deleteTask(input: $input) { __typename } }`;
    expect((await gqlOk(SET, { input: { id: own.task.id, done: true } }, bT)).setTaskDone.__typename).toBe(
      'NotFoundError',
    );
    expect((await gqlOk(UPD, { input: { id: own.task.id, title: 'x' } }, bT)).updateTask.__typename).toBe(
      'NotFoundError',
    );
    expect((await gqlOk(DEL, { input: { id: own.task.id } }, bT)).deleteTask.__typename).toBe(
      'NotFoundError',
    );
    expect((await create(bT, { title: 'For a', dueDate: today(), ownerId: gid(a) })).__typename).toBe(
      'ForbiddenError',
    );
    expect(
      (await create(bT, { title: 'About a’s customer', dueDate: today(), subjectId: customerA })).__typename,
    ).toBe('NotFoundError');
    expect((await create(aT, { title: '', dueDate: '2026-13-01' })).__typename).toBe('ValidationError');
    const node = await gqlOk(`query($id: ID!) { node(id: $id) { id } }`, { id: own.task.id }, bT);
    expect(node.node).toBeNull();
    expect(await crmState()).toBe(before);
    const staff = await create(admin, { title: 'From the office', dueDate: today(), ownerId: gid(b) });
    expect(staff.__typename).toBe('MutationCreateTaskSuccess');
    const list = await gqlOk(`{ tasks(first: 10) { edges { node { title createdBy } } } }`, {}, bT);
    expect(list.tasks.edges.map((e: any) => e.node.title)).toEqual(['From the office']);
  });
});
