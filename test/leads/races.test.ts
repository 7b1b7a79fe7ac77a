import { env } from 'cloudflare:test';
import { beforeAll, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, globalId, gqlOk } from '../helpers';
import { leadRow, post, setSource, waitForIntake } from './helpers';

// Issue 9 §5: the losers of a race on one lead get a ConflictError. (Status changes and conversions into a
// customer already did, through the history guard; a conversion into a distributor failed on the e-mail.)

const TOKEN = 'lead-race-token-0123456789';
let owner: number;
let ownerToken: string;
let n = 0;

beforeAll(async () => {
  const admin = await adminToken();
  await setSource(admin, {
    name: 'race',
    auth: 'TOKEN',
    secret: TOKEN,
    fieldMapping: [{ from: 'id', to: 'EXTERNAL_ID' }],
  });
  owner = await enroll(admin, await enroll(admin, null));
  ownerToken = await distributorToken(owner);
});

async function newLead(): Promise<string> {
  const name = `race${++n}-${Math.random().toString(36).slice(2, 7)}`;
  const { referral_code } = (await env.DB.prepare('SELECT referral_code FROM distributor WHERE id = ?')
    .bind(owner)
    .first<{ referral_code: string }>())!;
  await post(
    '/webhooks/leads/race',
    JSON.stringify({
      id: name,
      full_name: 'Ada Lovelace',
      email: `${name}@test.example`,
      country: 'DK',
      referral_code,
    }),
    { authorization: `Bearer ${TOKEN}` },
  );
  await waitForIntake('GENERIC', `race:${name}`);
  return globalId('Lead', (await leadRow('GENERIC', `race:${name}`)).id);
}

const RESULT = '__typename ... on ConflictError { code }';
const count = (payloads: { __typename: string }[]) => {
  const m: Record<string, number> = {};
  for (const p of payloads) m[p.__typename] = (m[p.__typename] ?? 0) + 1;
  return m;
};

it('parallel conversions of one lead into a distributor: one enrollment, the others a ConflictError', async () => {
  const id = await newLead();
  const payloads = await Promise.all(
    Array.from(
      { length: 6 },
      async () =>
        (
          await gqlOk(
            `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { ${RESULT} } }`,
            { input: { id, to: 'DISTRIBUTOR' } },
            ownerToken,
          )
        ).convertLead,
    ),
  );
  expect(count(payloads)).toEqual({ MutationConvertLeadSuccess: 1, ConflictError: 5 });
  for (const p of payloads.filter((x) => x.__typename === 'ConflictError')) expect(p.code).toBe('STALE');
});
