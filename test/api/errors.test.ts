import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  ENROLL,
  enroll,
  firstError,
  gid,
  gql,
  member,
  move,
  mutate,
  setStatus,
  terminate,
  tryEnroll,
  UPDATE_PROFILE,
  withoutWrites,
} from '../helpers';

// Expected failures come back as typed results (SPEC §6), with every field issue listed, and nothing is
// written (every genealogy table is compared before and after).

let admin: string;
let root: number;
let other: number;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null, { email: 'root@err.example', externalId: 'EXT-1' });
  other = await enroll(admin, root, { email: 'taken@err.example' });
});

const valid = () => ({ firstName: 'Val', lastName: 'Id', country: 'DK', locale: 'da', sponsorId: gid(root) });
const paths = (r: any) => r.issues.map((i: { path: string }) => i.path).sort();

describe('enrollDistributor', () => {
  const refused = (input: Record<string, unknown>) => withoutWrites(() => tryEnroll(input, admin));

  it('lists every invalid field in one ValidationError', async () => {
    const r = await refused({
      ...valid(),
      firstName: ' ',
      lastName: '',
      email: 'not-an-email',
      country: 'Denmark',
      phone: '12',
      password: 'short',
    });
    expect(r.__typename).toBe('ValidationError');
    expect(paths(r)).toEqual(['country', 'email', 'firstName', 'lastName', 'password', 'phone']);
    for (const issue of r.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('refuses each bad field on its own', async () => {
    for (const [field, value] of [
      ['email', 'a@b'],
      ['email', 'TAKEN@err.example'],
      ['country', 'dk1'],
      ['country', ''],
      ['firstName', 'x'.repeat(101)],
      ['externalId', 'EXT-1'],
    ] as const) {
      const r = await refused({ ...valid(), [field]: value });
      expect(r.__typename, `${field}=${value}`).toBe('ValidationError');
      expect(paths(r), `${field}=${value}`).toEqual([field]);
    }
  });

  it('an unknown locale or a bad DateTime is refused by the schema with a clear error, writing nothing', async () => {
    // Locale is an enum and joinedAt a DateTime: GraphQL refuses the variables before the resolver runs.
    for (const [field, value] of [
      ['locale', 'fr'],
      ['joinedAt', '2026-13-01T00:00:00Z'],
      ['joinedAt', 'yesterday'],
    ]) {
      const r = await withoutWrites(() => gql(ENROLL, { input: { ...valid(), [field]: value } }, admin));
      expect(firstError(r).message).toContain(`"${value}"`);
      expect(firstError(r).message).toContain(field === 'locale' ? 'Locale' : 'ISO-8601');
      expect(r.data ?? null).toBeNull();
    }
  });

  it('NotFoundError for an unknown sponsor, by id or by referral code', async () => {
    expect((await refused({ ...valid(), sponsorId: gid(424_242) })).__typename).toBe('NotFoundError');
    const byCode = await refused({ ...valid(), sponsorId: undefined, sponsorReferralCode: 'NOSUCHCODE' });
    expect(byCode).toMatchObject({
      __typename: 'NotFoundError',
      message: expect.stringContaining('NOSUCHCODE'),
    });
  });

  it('ValidationError for a sponsor given twice, or a second root', async () => {
    const code = (await member(root)).referral_code;
    expect((await refused({ ...valid(), sponsorReferralCode: code })).__typename).toBe('ValidationError');
    expect((await refused({ ...valid(), sponsorId: undefined })).__typename).toBe('ValidationError');
  });
});

describe('updateDistributorProfile', () => {
  const refused = (input: Record<string, unknown>) =>
    withoutWrites(() => mutate(UPDATE_PROFILE, { id: gid(other), ...input }, admin));

  it('ValidationError with the field paths, NotFoundError for an unknown member', async () => {
    const r = await refused({ email: 'nope', country: 'XXX', firstName: '' });
    expect(r.__typename).toBe('ValidationError');
    expect(paths(r)).toEqual(['country', 'email', 'firstName']);
    const dup = await refused({ email: 'ROOT@err.example' });
    expect(dup.__typename).toBe('ValidationError');
    expect(paths(dup)).toEqual(['email']);
    const missing = await withoutWrites(() =>
      mutate(UPDATE_PROFILE, { id: gid(424_242), firstName: 'X' }, admin),
    );
    expect(missing.__typename).toBe('NotFoundError');
  });

  it('a valid change is written and normalised', async () => {
    const r = await mutate(
      UPDATE_PROFILE,
      { id: gid(other), country: 'se', email: ' New@Err.Example ' },
      admin,
    );
    expect(r.__typename).toBe('MutationUpdateDistributorProfileSuccess');
    expect(await member(other)).toMatchObject({ country: 'SE', email: 'new@err.example' });
  });
});

describe('staff changes', () => {
  it('NotFoundError for unknown members, ValidationError for a missing reason', async () => {
    for (const run of [
      () => move(admin, 424_242, 'SPONSOR', root),
      () => move(admin, other, 'PLACEMENT', 424_242, 0),
      () => setStatus(admin, 424_242, 'SUSPENDED'),
      () => terminate(admin, 424_242),
    ])
      expect((await withoutWrites(run)).__typename).toBe('NotFoundError');
    const noReason = await withoutWrites(() => terminate(admin, other, ' '));
    expect(noReason.__typename).toBe('ValidationError');
    expect(paths(noReason)).toEqual(['reason']);
  });

  it('ConflictError with a code', async () => {
    expect(await withoutWrites(() => move(admin, root, 'SPONSOR', other))).toMatchObject({
      __typename: 'ConflictError',
      code: expect.stringMatching(/^[A-Z_]+$/),
      message: expect.any(String),
    });
  });
});
