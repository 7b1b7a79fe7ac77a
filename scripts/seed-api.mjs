// Small helpers the demo seed shares: run a one-field mutation and insist on its success payload.

/** Runs `field(input: $input)` and returns the success payload; throws with the typed error otherwise. */
export async function mutate(gql, token, field, input, selection = '__typename') {
  const inputType = `${field[0].toUpperCase()}${field.slice(1)}Input`;
  const data = await gql(
    `mutation($input: ${inputType}!) { ${field}(input: $input) { __typename
      ... on Error { message } ... on ValidationError { issues { path message } }
      ... on Mutation${field[0].toUpperCase()}${field.slice(1)}Success { ${selection} } } }`,
    { input },
    token,
  );
  const r = data[field];
  if (!r.__typename.endsWith('Success')) throw new Error(`seed ${field} failed: ${JSON.stringify(r)}`);
  return r;
}

/** The month `offset` months from now (YYYY-MM) in the demo company's time zone. */
export function monthFromNow(offset, timeZone = 'Europe/Copenhagen') {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number);
  const n = y * 12 + (m - 1) + offset;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

/** A UTC instant on a day of a YYYY-MM month, safely inside it in any European time zone. */
export function dayOf(month, day, hour = 10) {
  return `${month}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000Z`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(what, read, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await read();
    if (v) return v;
    await sleep(300);
  }
  throw new Error(`seed: timed out waiting for ${what}`);
}

/** Small deterministic PRNG, so that every fresh clone gets the same demo. */
export function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
