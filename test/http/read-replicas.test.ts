import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { readGraphQLRequest } from '../../src/graphql/sessionStart';
import { BOOKMARK_HEADER, isBookmark, requestDatabase } from '../../src/lib/d1Session';
import { adminToken, ENROLL, gid, localId } from '../helpers';

// D1 Sessions API on every request (docs/read-replicas.md). Local D1 has no replicas, so these tests check
// what the worker controls: the bookmark goes out and comes back in, the session starts where it should,
// and a bad bookmark does no harm.

async function post(query: string, variables: Record<string, unknown>, token: string, bookmark?: string) {
  const res = await SELF.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(bookmark != null ? { [BOOKMARK_HEADER]: bookmark } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: any; errors?: unknown[] } };
}

const MEMBER = 'query($id: ID!) { distributor(id: $id) { id firstName } }';

function enrollInput(firstName: string) {
  return {
    firstName,
    lastName: 'Replica',
    email: `${firstName.toLowerCase()}@test.example`,
    country: 'DK',
    locale: 'da',
  };
}

describe('bookmarks over HTTP', () => {
  it('returns a bookmark after a mutation; a query carrying it reads the write', async () => {
    const admin = await adminToken();
    const m = await post(ENROLL, { input: enrollInput('Written') }, admin);
    expect(m.body.data.enrollDistributor.__typename).toBe('MutationEnrollDistributorSuccess');
    const written = m.res.headers.get(BOOKMARK_HEADER);
    expect(written && isBookmark(written)).toBe(true);
    const id = localId(m.body.data.enrollDistributor.distributor.id);

    const q = await post(MEMBER, { id: gid(id) }, admin, written!);
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data.distributor).toEqual({ id: gid(id), firstName: 'Written' });
    // The session moves forward from the client's bookmark, never back.
    const read = q.res.headers.get(BOOKMARK_HEADER)!;
    expect(isBookmark(read)).toBe(true);
    expect(read >= written!).toBe(true);
  });

  it('puts the header on queries without a bookmark, on HTTP routes and exposes it to browsers', async () => {
    const admin = await adminToken();
    const q = await SELF.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${admin}`,
        origin: 'https://app.example',
      },
      // A query that reads D1 (a staff `{ viewerRole }` may read nothing: see the next test).
      body: JSON.stringify({ query: MEMBER, variables: { id: gid(999_999) } }),
    });
    expect(isBookmark(q.headers.get(BOOKMARK_HEADER) ?? '')).toBe(true);
    expect(q.headers.get('access-control-expose-headers')).toContain(BOOKMARK_HEADER);
    const preflight = await SELF.fetch('http://localhost/graphql', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': `content-type, authorization, ${BOOKMARK_HEADER}`,
      },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toContain(BOOKMARK_HEADER);
    const health = await SELF.fetch('http://localhost/health');
    expect(isBookmark(health.headers.get(BOOKMARK_HEADER) ?? '')).toBe(true);
  });

  it('ignores a malformed bookmark: the request is answered and a real bookmark comes back', async () => {
    const admin = await adminToken();
    // A mutation carrying one (it starts at the primary whatever it carries), then queries.
    const m = await post(ENROLL, { input: enrollInput('Garbled') }, admin, 'zzz-not-a-bookmark');
    expect(m.res.status).toBe(200);
    expect(isBookmark(m.res.headers.get(BOOKMARK_HEADER) ?? '')).toBe(true);
    for (const bad of ['zzz-not-a-bookmark', `${'f'.repeat(8)}-nothex!-00000000-${'0'.repeat(32)}`, ' ']) {
      const q = await post(MEMBER, { id: gid(999_999) }, admin, bad);
      expect(q.res.status).toBe(200);
      expect(q.body.data.distributor).toBeNull();
      const back = q.res.headers.get(BOOKMARK_HEADER)!;
      expect(isBookmark(back)).toBe(true);
      expect(back).not.toBe(bad);
    }
  });
});

describe('a request that reads nothing from D1', () => {
  it('gives back the client bookmark when well-formed, and no header otherwise', async () => {
    const admin = await adminToken();
    // The first request confirms the staff token against D1; later ones within seconds read nothing.
    await post('{ viewerRole }', {}, admin);
    const good = `0000002a-00000003-00004f6d-${'0123456789abcdef'.repeat(2)}`;
    const echoed = await post('{ viewerRole }', {}, admin, good);
    expect(echoed.body.data.viewerRole).toBe('ADMIN');
    expect(echoed.res.headers.get(BOOKMARK_HEADER)).toBe(good);
    const none = await post('{ viewerRole }', {}, admin, 'zzz-not-a-bookmark');
    expect(none.body.data.viewerRole).toBe('ADMIN');
    expect(none.res.headers.get(BOOKMARK_HEADER)).toBeNull();
  });
});

describe('where a session starts', () => {
  /** A binding that records the anchor each session is created with. */
  function recording() {
    const anchors: string[] = [];
    const db = {
      withSession: (anchor: string) => {
        anchors.push(anchor);
        return env.DB.withSession(anchor);
      },
    } as unknown as D1Database;
    return { db, anchors };
  }
  const bookmark = `0000002a-00000003-00004f6d-${'0123456789abcdef'.repeat(2)}`;

  it('reads start anywhere or at the client bookmark; writes and malformed bookmarks at the primary', () => {
    const { db, anchors } = recording();
    requestDatabase(db, 'first-unconstrained', null);
    requestDatabase(db, 'first-unconstrained', bookmark);
    requestDatabase(db, 'first-unconstrained', 'garbage');
    requestDatabase(db, 'first-primary', bookmark);
    requestDatabase(db, 'first-primary', null);
    expect(anchors).toEqual([
      'first-unconstrained',
      bookmark,
      'first-primary',
      'first-primary',
      'first-primary',
    ]);
  });

  it('uses the binding itself where there is no Sessions API', () => {
    const bare = { prepare: () => null } as unknown as D1Database;
    const r = requestDatabase(bare, 'first-unconstrained', bookmark);
    expect(r.db).toBe(bare);
    expect(r.bookmark()).toBeNull();
  });

  /** A POST as it arrives over HTTP (with its Content-Length; a Request built here has none). */
  const request = (body: unknown) => {
    const text = JSON.stringify(body);
    return new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
      body: text,
    });
  };
  const graphqlSessionStart = async (r: Request) => (await readGraphQLRequest(r)).start;

  it('starts GraphQL mutations at the primary and queries anywhere', async () => {
    expect(await graphqlSessionStart(request({ query: '{ viewerRole }' }))).toBe('first-unconstrained');
    expect(await graphqlSessionStart(request({ query: ENROLL }))).toBe('first-primary');
    const both = 'query Q { viewerRole } mutation M { logout { __typename } }';
    expect(await graphqlSessionStart(request({ query: both, operationName: 'Q' }))).toBe(
      'first-unconstrained',
    );
    expect(await graphqlSessionStart(request({ query: both, operationName: 'M' }))).toBe('first-primary');
    expect(await graphqlSessionStart(new Request('http://localhost/graphql?query={viewerRole}'))).toBe(
      'first-unconstrained',
    );
    // What it cannot tell apart starts at the primary.
    expect(await graphqlSessionStart(request([{ query: '{ viewerRole }' }]))).toBe('first-primary');
    expect(
      await graphqlSessionStart(
        new Request('http://localhost/graphql', {
          method: 'POST',
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        }),
      ),
    ).toBe('first-primary');
  });
});
