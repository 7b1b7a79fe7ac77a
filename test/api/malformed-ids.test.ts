import { beforeAll, expect, it } from 'vitest';
import { adminToken, gql, gqlOk } from '../helpers';

// Issue 9 §5: every mutation answers a malformed global id with a validation error (BAD_USER_INPUT) whose
// issue names the field, never a masked internal error. (Top-level: ids are read before the auth checks.)

let admin: string;

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputType {
  name: string;
  kind: string;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';
let types: Map<string, InputType>;
let mutations: { name: string; args: { name: string; type: TypeRef }[] }[];

beforeAll(async () => {
  admin = await adminToken();
  const data = await gqlOk(
    `{ __schema { mutationType { fields { name args { name type { ${TYPE_REF} } } } }
       types { name kind inputFields { name type { ${TYPE_REF} } } enumValues { name } } } }`,
    {},
    admin,
  );
  types = new Map(data.__schema.types.map((t: InputType) => [t.name, t]));
  mutations = data.__schema.mutationType.fields;
});

const BAD_ID = 'not-a-global-id!';

/** A value of `type` whose every ID is malformed (null when the type holds no ID); paths of those IDs. */
function withBadIds(type: TypeRef, path: string, ids: string[], required: boolean): unknown {
  if (type.kind === 'NON_NULL') return withBadIds(type.ofType!, path, ids, true);
  if (type.kind === 'LIST') {
    const item = withBadIds(type.ofType!, `${path}.0`, ids, required);
    return item === undefined ? (required ? [] : undefined) : [item];
  }
  if (type.name === 'ID') {
    ids.push(path);
    return BAD_ID;
  }
  const named = types.get(type.name!)!;
  if (named.kind === 'INPUT_OBJECT') {
    const out: Record<string, unknown> = {};
    for (const f of named.inputFields!) {
      const v = withBadIds(f.type, `${path}.${f.name}`, ids, false);
      const fieldRequired = f.type.kind === 'NON_NULL';
      out[f.name] = v === undefined && fieldRequired ? filler(f.type.ofType!) : v;
    }
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out;
  }
  return required ? filler(type) : undefined;
}

/** Any valid value of a required non-ID field, so that the variables pass GraphQL's own coercion. */
function filler(type: TypeRef): unknown {
  if (type.kind === 'NON_NULL') return filler(type.ofType!);
  if (type.kind === 'LIST') return [];
  const named = types.get(type.name!)!;
  if (named.kind === 'ENUM') return named.enumValues![0].name;
  if (named.kind === 'INPUT_OBJECT') return withBadIds(type, '', [], true);
  return (
    {
      String: 'x',
      Int: 1,
      SafeInt: 1,
      Float: 1,
      Boolean: false,
      DateTime: '2026-01-01T00:00:00.000Z',
      JSON: {},
    }[named.name] ?? 'x'
  );
}

const typeString = (t: TypeRef): string =>
  t.kind === 'NON_NULL'
    ? `${typeString(t.ofType!)}!`
    : t.kind === 'LIST'
      ? `[${typeString(t.ofType!)}]`
      : t.name!;

it('every mutation with an id in its input answers a malformed one with BAD_USER_INPUT naming the field', async () => {
  let checked = 0;
  for (const m of mutations) {
    const ids: string[] = [];
    const vars: Record<string, unknown> = {};
    for (const a of m.args) vars[a.name] = withBadIds(a.type, a.name, ids, a.type.kind === 'NON_NULL');
    if (ids.length === 0) continue;
    checked++;
    const defs = m.args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
    const call = m.args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const run = (selection: string) =>
      gql(`mutation(${defs}) { ${m.name}(${call}) { ${selection} } }`, vars, admin);
    let r = await run('__typename ... on ValidationError { message issues { path } }');
    // A result union without ValidationError cannot even spell the fragment.
    if (r.errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') r = await run('__typename');
    const payload = r.data?.[m.name];
    const issues: { path: string }[] =
      payload?.__typename === 'ValidationError'
        ? payload.issues
        : ((r.errors?.[0]?.extensions?.issues as { path: string }[] | undefined) ?? []);
    if (payload?.__typename !== 'ValidationError')
      expect(r.errors?.[0]?.extensions?.code, `${m.name}: ${JSON.stringify(r)}`).toBe('BAD_USER_INPUT');
    // The issue names one of the malformed ids (paths relative to the input, as parseInput's are).
    const named = ids.map((p) => p.replace(/^input\./, ''));
    expect(named, `${m.name}: ${JSON.stringify(r)}`).toContain(issues[0]?.path);
  }
  expect(checked).toBeGreaterThan(30);
});

it('the issue names the argument that holds the malformed id, also inside lists', async () => {
  const r = await gql(
    `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }`,
    {
      input: {
        lines: [
          { productId: btoa('Product:1'), quantity: 1 },
          { productId: BAD_ID, quantity: 1 },
        ],
      },
    },
    admin,
  );
  expect(r.errors?.[0]).toMatchObject({
    message: expect.stringMatching(/^Invalid global ID/),
    extensions: {
      code: 'BAD_USER_INPUT',
      issues: [{ path: 'lines.1.productId', message: 'Not a global ID.' }],
    },
  });
  const wrongType = await gql(
    `mutation($input: MarkOrderPaidInput!) { markOrderPaid(input: $input) { __typename } }`,
    { input: { id: btoa('Customer:1') } },
    admin,
  );
  expect(wrongType.errors?.[0]).toMatchObject({
    message: expect.stringMatching(/is not of type: Order/),
    extensions: {
      code: 'BAD_USER_INPUT',
      issues: [{ path: 'id', message: 'Expected an ID of type Order.', code: 'INVALID_ID' }],
    },
  });
});
