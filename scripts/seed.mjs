// Seeds the demo company through the real API (so every derived column is computed by the product itself):
// a few hundred distributors in Denmark, Poland and Germany, in a preferential-attachment sponsor tree.
import { hashPassword, sqlString, wranglerSync } from './lib.mjs';
import { mulberry32 } from './seed-api.mjs';

export const DEMO_PASSWORD = 'demo-password-2026';
export const ADMIN_EMAIL = 'admin@demo.mlm-crm.dev';
const SIZE = 300;

const MARKETS = [
  {
    country: 'DK',
    locale: 'da',
    first: ['Mette', 'Lars', 'Sofie', 'Anders', 'Freja', 'Mads', 'Ida', 'Rasmus', 'Line', 'Jens'],
    last: ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen'],
    phone: '+45',
  },
  {
    country: 'PL',
    locale: 'pl',
    first: [
      'Anna',
      'Piotr',
      'Katarzyna',
      'Łukasz',
      'Małgorzata',
      'Tomasz',
      'Agnieszka',
      'Paweł',
      'Zofia',
      'Michał',
    ],
    last: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński'],
    phone: '+48',
  },
  {
    country: 'DE',
    locale: 'de',
    first: ['Lukas', 'Hannah', 'Jonas', 'Lea', 'Felix', 'Mia', 'Jürgen', 'Sabine', 'Maximilian', 'Emma'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'],
    phone: '+49',
  },
];

const ENROLL = `mutation($input: EnrollDistributorInput!) { enrollDistributor(input: $input) { __typename
  ... on MutationEnrollDistributorSuccess { distributor { id referralCode } } ... on Error { message } } }`;

export function ensureAdmin(persistArgs) {
  const sql = `INSERT INTO staff_user (email, name, role, password_hash, created_at)
    VALUES (${sqlString(ADMIN_EMAIL)}, 'Demo Admin', 'ADMIN', ${sqlString(hashPassword(DEMO_PASSWORD))}, '2026-01-01T00:00:00.000Z')
    ON CONFLICT (email) DO NOTHING`;
  wranglerSync(['d1', 'execute', 'DB', '--local', ...persistArgs, '--command', sql.replace(/\s+/g, ' ')]);
}

/** Enrolls the demo network (on an empty company); returns the demo logins and the members' ids. */
export async function seedNetwork(gql, admin, progress = () => {}) {
  const rand = mulberry32(20261122);
  const ids = [];
  const children = [];
  const logins = [];
  const members = [];
  const start = Date.parse('2024-01-01T00:00:00Z');
  const span = Date.now() - start;
  for (let i = 0; i < SIZE; i++) {
    if (i % 25 === 0) progress(`distributors ${i}/${SIZE}`);
    const market = MARKETS[i === 0 ? 0 : Math.floor(rand() * MARKETS.length)];
    const first = market.first[Math.floor(rand() * market.first.length)];
    const last = market.last[Math.floor(rand() * market.last.length)];
    // Preferential attachment: sponsors with more personal enrollments attract more.
    let sponsorIndex = null;
    if (i > 0) {
      const weights = children.map((c) => 1 + 2 * c);
      let r = rand() * weights.reduce((a, b) => a + b, 0);
      sponsorIndex = 0;
      while (r > weights[sponsorIndex]) r -= weights[sponsorIndex++];
    }
    const withLogin = i < 4 || i % 75 === 0;
    const email =
      `${first}.${last}.${i}`
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9.]/g, '') + '@demo.mlm-crm.dev';
    const input = {
      firstName: first,
      lastName: last,
      email,
      phone: `${market.phone}${String(20000000 + Math.floor(rand() * 70000000))}`,
      country: market.country,
      locale: market.locale,
      joinedAt: new Date(start + Math.floor((span * i) / SIZE)).toISOString(),
      ...(sponsorIndex != null ? { sponsorId: ids[sponsorIndex] } : {}),
      ...(withLogin ? { password: DEMO_PASSWORD } : {}),
    };
    const data = await gql(ENROLL, { input }, admin);
    const r = data.enrollDistributor;
    if (r.__typename !== 'MutationEnrollDistributorSuccess')
      throw new Error(`seed enroll failed: ${r.message}`);
    ids.push(r.distributor.id);
    members.push({ id: r.distributor.id, country: market.country, name: `${first} ${last}`, email });
    children.push(0);
    if (sponsorIndex != null) children[sponsorIndex]++;
    if (withLogin)
      logins.push({
        email,
        name: `${first} ${last}`,
        country: market.country,
        depth: i === 0 ? 'root' : undefined,
      });
  }
  return { logins, ids, members };
}
