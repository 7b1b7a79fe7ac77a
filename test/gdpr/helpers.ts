import { env } from 'cloudflare:test';
import { CREATE_TASK, RECORD_ACTIVITY } from '../crm/helpers';
import { distributorToken, enroll, globalId, gql, gqlOk } from '../helpers';
import { setProviders, uniquePhone } from '../messaging/helpers';
import { createCustomer, createProduct, order, pay } from '../orders/helpers';

// GDPR test helpers: a member with a full history (through the API where there is one, by SQL for what only
// integrations or the close write), and the mutations of the gdpr module.

export interface Member {
  id: number;
  sponsor: number;
  customer: number;
  first: string;
  last: string;
  email: string;
  phone: string;
  /** The R2 key of their signed agreement (kept) and of an unsigned offer PDF (deleted). */
  signedKey: string;
  draftPdfKey: string;
}

const now = () => new Date().toISOString();

async function putFile(key: string, text: string) {
  await env.FILES.put(key, text);
  await env.DB.prepare(
    `INSERT INTO stored_file (key, content_type, size, sha256, created_at) VALUES (?, 'application/pdf', ?, 'x', ?)`,
  )
    .bind(key, text.length, now())
    .run();
}

let n = 0;
export async function memberWithHistory(admin: string): Promise<Member> {
  n++;
  const tag = crypto.randomUUID().slice(0, 8);
  const first = `Zbigniewa${tag}`;
  const last = `Quarkowska${tag}`;
  const email = `zq-${tag}@erase.example`;
  const phone = uniquePhone();
  const sponsor = await enroll(admin, null);
  const id = await enroll(admin, sponsor, { firstName: first, lastName: last, email, phone });
  const token = await distributorToken(id);
  const full = `${first} ${last}`;

  // A customer of theirs (kept: another person), whose notes the member wrote mentioning themself.
  const customer = await createCustomer(token, {
    firstName: 'Karen',
    lastName: `Kunde${tag}`,
    notes: `Met at ${full}'s party, call ${phone}.`,
    consent: { email: true, sms: false, source: 'form:signup' },
    email: `karen-${tag}@customer.example`,
  });
  // Orders: their own and their customer's, paid.
  const product = await createProduct(admin, `GDPR-${tag}-${n}`);
  const own = await order(token, [[product, 2]]);
  const sale = await order(token, [[product, 1]], { customer });
  await pay(admin, own);
  await pay(admin, sale);

  // Messages: to them (staff) and from them to their customer (signed with their name).
  await setProviders({ sms: 'TWILIO', email: 'RESEND' });
  for (const [sender, recipient, text] of [
    [admin, globalId('Distributor', id), `Hello ${first}, your account ${email} is ready.`],
    [token, globalId('Customer', customer), `Hi Karen, thanks! - ${full} (${phone})`],
  ] as const) {
    const r = await gqlOk(
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on Error { message } } }`,
      {
        input: {
          recipientId: recipient,
          channel: 'EMAIL',
          purpose: 'TRANSACTIONAL',
          subject: `For ${first}`,
          text,
        },
      },
      sender,
    );
    if (r.sendMessage.__typename !== 'MutationSendMessageSuccess') throw new Error(JSON.stringify(r));
  }

  // Activities and tasks about them and by them.
  for (const [who, subject, body] of [
    [admin, globalId('Distributor', id), `Called ${full} on ${phone}; mail ${email}.`],
    [token, globalId('Customer', customer), `Karen ordered again, said ${first} helped.`],
  ] as const) {
    const r = await gqlOk(RECORD_ACTIVITY, { input: { subjectId: subject, kind: 'NOTE', body } }, who);
    if (r.recordActivity.__typename !== 'MutationRecordActivitySuccess') throw new Error(JSON.stringify(r));
  }
  const task = await gqlOk(
    CREATE_TASK,
    {
      input: {
        ownerId: globalId('Distributor', sponsor),
        title: `Follow up ${full}`,
        notes: `Phone ${phone}`,
        dueDate: '2030-01-01',
        subjectId: globalId('Distributor', id),
      },
    },
    admin,
  );
  if (task.createTask.__typename !== 'MutationCreateTaskSuccess') throw new Error(JSON.stringify(task));

  const db = env.DB;
  const t = now();
  // Consents (an integration's records) and a suppressed address.
  await db.batch([
    db
      .prepare(
        `INSERT INTO message_consent (subject_type, subject_id, channel, action, source, recorded_by, recorded_at, purpose, text_shown)
         VALUES ('DISTRIBUTOR', ?, 'EMAIL', 'GRANTED', 'form:signup', 'recipient', ?, 'MARKETING', 'Yes, send me news.'),
                ('DISTRIBUTOR', ?, 'EMAIL', 'WITHDRAWN', 'unsubscribe-link', 'recipient', ?, 'MARKETING', NULL)`,
      )
      .bind(id, t, id, t),
    db
      .prepare(
        `INSERT INTO message_suppression (channel, address, reason, created_at) VALUES ('EMAIL', ?, 'OPT_OUT', ?)`,
      )
      .bind(email, t),
  ]);

  // The lead they were before they joined: its raw webhook event, intake and status change.
  const event = await db
    .prepare(
      `INSERT INTO lead_event (source, source_name, content_type, body, body_sha256, received_at)
       VALUES ('GENERIC', 'site', 'application/json', ?, ?, ?) RETURNING id`,
    )
    .bind(JSON.stringify({ name: full, email, phone, message: `I am ${first}` }), tag.padEnd(64, '0'), t)
    .first<{ id: number }>();
  const lead = await db
    .prepare(
      `INSERT INTO lead (source, source_name, external_id, status, full_name, first_name, last_name, email, phone, city,
         answers, assigned_distributor_id, converted_distributor_id, converted_at, created_at, updated_at)
       VALUES ('GENERIC', 'site', ?, 'CONVERTED', ?, ?, ?, ?, ?, 'Aarhus', ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .bind(
      `ext-${tag}`,
      full,
      first,
      last,
      email,
      phone,
      JSON.stringify([{ key: 'why', label: 'Why?', value: `${first} wants to sell` }]),
      sponsor,
      id,
      t,
      t,
      t,
    )
    .first<{ id: number }>();
  await db.batch([
    db
      .prepare(
        `INSERT INTO lead_intake (source, external_id, event_id, status, lead_id, created_at, updated_at)
         VALUES ('GENERIC', ?, ?, 'DONE', ?, ?, ?)`,
      )
      .bind(`ext-${tag}`, event!.id, lead!.id, t, t),
    db
      .prepare(
        `INSERT INTO lead_status_change (lead_id, from_status, to_status, reason, actor, created_at)
         VALUES (?, 'QUALIFIED', 'CONVERTED', ?, 'staff:1', ?)`,
      )
      .bind(lead!.id, `${first} signed up`, t),
  ]);

  // Their signed distributor agreement (kept) and an unsigned offer PDF to their customer (deleted).
  const signedKey = `esign/agreement-${tag}-signed.pdf`;
  const draftPdfKey = `offers/offer-${tag}.pdf`;
  await putFile(signedKey, `Agreement signed by ${full}`);
  await putFile(draftPdfKey, `Offer for Karen from ${full}`);
  await db
    .prepare(
      `INSERT INTO signature_request (document_type, subject_id, provider, status, status_rank, external_id, signer_email,
         signer_first_name, signer_last_name, language, title, signing_url, signed_key, completed_at, created_at, updated_at)
       VALUES ('AGREEMENT', ?, 'DOCUMENSO', 'COMPLETED', 5, ?, ?, ?, ?, 'da', ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      `doc-${tag}`,
      email,
      first,
      last,
      `Agreement of ${full}`,
      `https://sign.example/${tag}`,
      signedKey,
      t,
      t,
      t,
    )
    .run();
  await db
    .prepare(
      `INSERT INTO offer (owner_id, customer_id, status, country, currency, locale, vat_rate_bp, valid_until, note, net, vat,
         gross, pdf_key, created_by, created_at, updated_at)
       VALUES (?, ?, 'SENT', 'DK', 'DKK', 'da', 2500, '2030-01-01', ?, 10000, 2500, 12500, ?, ?, ?, ?)`,
    )
    .bind(id, customer, `Prepared by ${full}, ${phone}`, draftPdfKey, `distributor:${id}`, t, t)
    .run();

  // A committed period's commission lines, result and ledger entry (what the close writes).
  const period = `2020-${String((n % 12) + 1).padStart(2, '0')}`;
  await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO commission_period (id, status, starts_at, ends_at, run) VALUES (?, 'COMMITTED', ?, ?, 1)`,
      )
      .bind(period, `${period}-01T00:00:00.000Z`, `${period}-28T00:00:00.000Z`),
    db
      .prepare(
        `INSERT INTO commission_line (period_id, distributor_id, bonus, level, source_id, volume, bp, before_cap, amount)
         VALUES (?, ?, 'UNILEVEL', 1, ?, 100, 500, 500, 500)`,
      )
      .bind(period, id, sponsor),
    db
      .prepare(
        `INSERT INTO ledger_entry (distributor_id, kind, amount, currency, period_id, reason, created_at)
         VALUES (?, 'COMMISSION', 500, 'DKK', ?, ?, ?)`,
      )
      .bind(id, period, `Commission for ${full}`, t),
  ]);
  return { id, sponsor, customer, first, last, email, phone, signedKey, draftPdfKey };
}

export const ERASE = `mutation($input: ErasePersonInput!) { erasePerson(input: $input) { __typename
  ... on MutationErasePersonSuccess { erasure { personType personId pseudonym reason erasedBy filesDeleted
    keptDocuments { kind key reason } } }
  ... on Error { message } ... on ValidationError { issues { path message } } ... on ConflictError { code } } }`;

export async function erase(
  token: string,
  person: string,
  confirmId: string,
  reason = 'Asked to be forgotten',
) {
  return (await gqlOk(ERASE, { input: { person, confirmId, reason } }, token)).erasePerson;
}

export const REQUEST_EXPORT = `mutation($input: RequestPersonalDataExportInput!) { requestPersonalDataExport(input: $input) {
  __typename ... on MutationRequestPersonalDataExportSuccess { export { id status personType personId } }
  ... on Error { message } } }`;

export async function requestExport(token: string, person: string) {
  return (await gqlOk(REQUEST_EXPORT, { input: { person } }, token)).requestPersonalDataExport;
}

export { gql };
