// GraphQL over HTTP against the running worker, timed on the client (loopback, keep-alive).

import { pbkdf2Sync, randomBytes } from 'node:crypto';

export function createClient(base) {
  let token = null;
  async function post(query, variables = {}) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${res.status} from /graphql: ${text.slice(0, 300)}`);
    }
    if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 800)}`);
    return body.data;
  }
  return {
    base,
    post,
    setToken: (t) => {
      token = t;
    },
    get token() {
      return token;
    },
    /** One request, timed from sending to the last byte of the parsed answer, in milliseconds. */
    async timed(query, variables, check) {
      const t0 = performance.now();
      const data = await post(query, variables);
      const ms = performance.now() - t0;
      if (check) check(data);
      return ms;
    },
  };
}

/** A password hash in the format of src/modules/auth/password.ts. */
export function pbkdf2Hash(password) {
  const salt = randomBytes(16);
  const iterations = 100_000;
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2-sha256$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function globalId(id) {
  return Buffer.from(`Distributor:${id}`).toString('base64');
}

export function localId(gid) {
  return Number(Buffer.from(gid, 'base64').toString().split(':')[1]);
}
