import { beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/globalId';
import { adminToken, enroll, firstError, gql, localId, UPDATE_PROFILE } from '../helpers';

// Issue 9 §1: a global id is accepted padded or unpadded, and in URL-safe base64; a malformed one is
// a BAD_USER_INPUT error naming the problem, never a masked internal error.

/** The same id in every spelling a client may send. */
function spellings(type: string, id: number): string[] {
  const padded = encodeGlobalId(type, id);
  const unpadded = padded.replace(/=+$/, '');
  const urlSafe = unpadded.replaceAll('+', '-').replaceAll('/', '_');
  return [padded, unpadded, urlSafe];
}

describe('decodeGlobalId', () => {
  it('round-trips and accepts every spelling', () => {
    for (const id of [1, 7, 42, 1234567, 99999999]) {
      for (const s of spellings('Distributor', id))
        expect(decodeGlobalId(s)).toEqual({ typename: 'Distributor', id: String(id) });
    }
    // "Distributor:1" unpadded is the id the seed once sent.
    expect(decodeGlobalId('RGlzdHJpYnV0b3I6MQ')).toEqual({ typename: 'Distributor', id: '1' });
  });

  it('refuses what is not a global id', () => {
    for (const bad of [
      '',
      'x',
      '!!!!',
      btoa('Distributor'),
      btoa(':1'),
      btoa('Distributor:'),
      btoa('1x:2'),
      'RGlzd=HJp',
    ]) {
      expect(() => decodeGlobalId(bad), bad).toThrow(/Invalid global ID/);
    }
  });

  it('reads an id containing ":" whole', () => {
    expect(decodeGlobalId(encodeGlobalId('Thing', 'a:b'))).toEqual({ typename: 'Thing', id: 'a:b' });
  });
});

describe('global ids over the API', () => {
  let admin: string;
  let member: number;
  beforeAll(async () => {
    admin = await adminToken();
    const root = await enroll(admin, null);
    member = await enroll(admin, root);
  });

  it('finds a node by every spelling of its id', async () => {
    for (const s of spellings('Distributor', member)) {
      const r = await gql(
        'query($id: ID!) { node(id: $id) { id ... on Distributor { firstName } } }',
        { id: s },
        admin,
      );
      expect(r.errors, s).toBeUndefined();
      expect(localId(r.data.node.id)).toBe(member);
    }
    const r = await gql(
      'query($id: ID!) { downline(root: $id, first: 1) { edges { cursor } } }',
      { id: spellings('Distributor', member)[1] },
      admin,
    );
    expect(r.errors).toBeUndefined();
  });

  it('answers a malformed id in a query with BAD_USER_INPUT', async () => {
    const r = await gql(
      'query($id: ID!) { downline(root: $id, first: 1) { edges { cursor } } }',
      { id: '%%%' },
      admin,
    );
    const e = firstError(r);
    expect(e.extensions?.code).toBe('BAD_USER_INPUT');
    expect(e.message).toMatch(/Invalid global ID/);
  });

  // Ids are read before the field's auth checks run, so the refusal is a top-level BAD_USER_INPUT error
  // (a typed payload would answer callers the field's auth rules have not yet admitted).
  it('answers a malformed or wrong-type id in a mutation with BAD_USER_INPUT and writes nothing', async () => {
    for (const [id, message] of [
      ['%%%', /Invalid global ID/],
      [btoa(`Order:${member}`), /is not of type: Distributor/],
    ] as const) {
      const r = await gql(UPDATE_PROFILE, { input: { id, firstName: 'Nope' } }, admin);
      const e = firstError(r);
      expect(e.extensions?.code, JSON.stringify(e)).toBe('BAD_USER_INPUT');
      expect(e.message).toMatch(message);
    }
    const after = await gql(
      'query($id: ID!) { node(id: $id) { ... on Distributor { firstName } } }',
      { id: encodeGlobalId('Distributor', member) },
      admin,
    );
    expect(after.data.node.firstName).not.toBe('Nope');
  });
});

describe('runWhatIf with a malformed plan version id', () => {
  it('is a typed validation error, not a masked internal error', async () => {
    const admin = await adminToken();
    for (const planVersionId of ['%%%', 'not-base64!', btoa('Distributor:1')]) {
      const r = await gql(
        `mutation($input: RunWhatIfInput!) { runWhatIf(input: $input) { __typename
          ... on ValidationError { issues { path message } } } }`,
        { input: { period: '2026-10', planVersionId } },
        admin,
      );
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data.runWhatIf.__typename).toBe('ValidationError');
      expect(r.data.runWhatIf.issues[0].path).toBe('planVersionId');
    }
  });
});
