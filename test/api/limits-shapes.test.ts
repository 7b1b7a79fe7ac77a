import { getIntrospectionQuery } from 'graphql';
import { beforeAll, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../../src/graphql/builder';
import { INTROSPECTION_LIMITS, MAX_LIST_ITEMS } from '../../src/graphql/limits';
import { adminToken, enroll, firstError, gid, gql } from '../helpers';

// Issue 9 §6: the query limits cover every shape: aliases and __typename count toward breadth,
// introspection is bounded, every list argument is bounded, and out-of-range page sizes are refused.

let admin: string;
let member: number;

beforeAll(async () => {
  admin = await adminToken();
  member = await enroll(admin, null);
});

const aliases = (n: number, field: string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

it('aliases of __typename count toward breadth, at the root and below', async () => {
  const ok = await gql(`{ ${aliases(QUERY_LIMITS.breadth, '__typename')} }`, {}, admin);
  expect(ok.errors).toBeUndefined();
  for (const query of [
    `{ ${aliases(2000, '__typename')} }`,
    `{ ${aliases(QUERY_LIMITS.breadth + 1, '__typename')} }`,
    `query($id: ID!) { distributor(id: $id) { ${aliases(QUERY_LIMITS.breadth, '__typename')} } }`,
    `{ ...F } fragment F on Query { ${aliases(QUERY_LIMITS.breadth + 1, '__typename')} }`,
  ]) {
    const r = await gql(query, { id: gid(member) }, admin);
    expect(firstError(r)).toMatchObject({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'breadth' } });
    expect(firstError(r).message).toMatch(/^Query too broad/);
    expect(r.data ?? null).toBeNull();
  }
});

it('fragments that multiply are refused without expanding them all', async () => {
  // F0 = 2 × F1 = 4 × F2 … : 2^30 selections if expanded.
  const defs = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  const query = `{ ...F0 } ${defs.join(' ')} fragment F30 on Query { __typename }`;
  const started = Date.now();
  const r = await gql(query, {}, admin);
  expect(firstError(r)).toMatchObject({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'breadth' } });
  expect(Date.now() - started).toBeLessThan(5000);
});

it('introspection: the full GraphiQL query runs, and at most one __schema/__type per operation', async () => {
  const full = await gql(
    getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
    {},
    admin,
  );
  expect(full.errors).toBeUndefined();
  expect(full.data.__schema.types.length).toBeGreaterThan(50);

  const many = Array.from({ length: 200 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ');
  for (const query of [
    `{ ${many} }`,
    '{ a: __schema { queryType { name } } b: __type(name: "Query") { name } }',
  ]) {
    const r = await gql(query, {}, admin);
    expect(firstError(r)).toMatchObject({
      message: expect.stringMatching(/^At most 1 introspection field/),
      extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'introspection' },
    });
    expect(r.data ?? null).toBeNull();
  }
});

it('introspection: aliases inside it and type lists nested in type lists are refused', async () => {
  const wide = await gql(
    `{ __type(name: "Query") { ${aliases(INTROSPECTION_LIMITS.selections, 'name')} } }`,
    {},
    admin,
  );
  expect(firstError(wide)).toMatchObject({
    message: expect.stringMatching(/^Introspection too broad/),
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'introspection' },
  });
  const deep = await gql(
    '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
    {},
    admin,
  );
  expect(firstError(deep)).toMatchObject({
    message: 'Introspection may not nest one type list in another (fields inside fields).',
    extensions: { code: 'QUERY_LIMIT_EXCEEDED' },
  });
});

it(`nodes(ids:) and every other list argument take at most ${MAX_LIST_ITEMS} items`, async () => {
  const ids = (n: number) => Array.from({ length: n }, () => gid(member));
  const NODES = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
  const ok = await gql(NODES, { ids: ids(MAX_LIST_ITEMS) }, admin);
  expect(ok.errors).toBeUndefined();
  expect(ok.data.nodes).toHaveLength(MAX_LIST_ITEMS);

  const byVariable = await gql(NODES, { ids: ids(5000) }, admin);
  expect(firstError(byVariable)).toMatchObject({
    message: '$ids has 5000 items; at most 100 are allowed.',
    extensions: { code: 'BAD_USER_INPUT', limit: 'list' },
  });
  expect(byVariable.data ?? null).toBeNull();

  const literal = `{ nodes(ids: [${ids(MAX_LIST_ITEMS + 1)
    .map((i) => `"${i}"`)
    .join(',')}]) { id } }`;
  expect(firstError(await gql(literal, {}, admin))).toMatchObject({
    message: 'ids has 101 items; at most 100 are allowed.',
    extensions: { code: 'BAD_USER_INPUT' },
  });

  // Inside an input object, by variable.
  const statuses = Array.from({ length: 101 }, () => 'PAID');
  const orders = await gql(
    'query($f: OrderFilter) { orders(filter: $f) { edges { node { id } } } }',
    { f: { statuses } },
    admin,
  );
  expect(firstError(orders)).toMatchObject({
    message: '$f.statuses has 101 items; at most 100 are allowed.',
    extensions: { code: 'BAD_USER_INPUT' },
  });
});

it('page sizes out of range are refused with a clear error, not silently cut', async () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'query($n: Int) { orders(first: $n) { edges { node { id } } } }',
      { n: 1000 },
      'first must be between 1 and 100.',
    ],
    [
      'query($n: Int) { orders(first: $n) { edges { node { id } } } }',
      { n: 0 },
      'first must be between 1 and 100.',
    ],
    ['{ products(last: 101) { edges { node { id } } } }', {}, 'last must be between 1 and 100.'],
    [
      '{ searchPeople(query: "x", first: 51) { edges { node { __typename } } } }',
      {},
      'first must be between 1 and 50.',
    ],
    [
      'query($id: ID!) { distributor(id: $id) { volumeHistory(last: 1000000) { pv } } }',
      { id: gid(member) },
      'last must be between 1 and 60.',
    ],
    ['{ failedLeadIntakes(first: 1000) { intakeId } }', {}, 'first must be between 1 and 100.'],
  ];
  for (const [query, vars, message] of cases) {
    const r = await gql(query, vars, admin);
    expect(firstError(r), query).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
  }
  const big = await gql('{ orders(first: 1000) { edges { node { id } } } }', {}, admin);
  expect(firstError(big).extensions?.issues).toEqual([
    { path: 'first', message: 'Between 1 and 100; got 1000.', code: 'TOO_LARGE', params: { max: 100 } },
  ]);
  const ok = await gql('{ orders(first: 100) { edges { node { id } } } }', {}, admin);
  expect(ok.errors).toBeUndefined();
});
