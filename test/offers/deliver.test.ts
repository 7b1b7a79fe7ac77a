import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gqlOk } from '../helpers';
import { createCustomer, createProduct } from '../orders/helpers';
import { createOffer, formTokenOf, offerInput, page, post, SEND_OFFER, send } from './helpers';

// sendOffer(deliverBy): the link leaves as a transactional SMS or e-mail through the messaging outbox, and an
// unreachable recipient leaves the offer a DRAFT with nothing written.

let annaToken: string;
let anna: number;
let product: number;

beforeAll(async () => {
  const admin = await adminToken();
  const root = await enroll(admin, null);
  anna = await enroll(admin, root);
  annaToken = await distributorToken(anna);
  product = await createProduct(admin, 'DLV-A');
});

const outbox = async () =>
  (
    await env.DB.prepare(
      'SELECT recipient_type, recipient_id, channel, purpose, subject, body, address FROM message_outbox',
    ).all<any>()
  ).results;

const sendBy = async (id: string, deliverBy: string) =>
  (await gqlOk(SEND_OFFER, { input: { id, deliverBy } }, annaToken)).sendOffer;

describe('sending an offer with its link', () => {
  it('e-mails the link to the customer through the outbox', async () => {
    const customer = await createCustomer(annaToken, {
      firstName: 'Karen',
      country: 'DK',
      locale: 'da',
      email: 'karen@example.com',
    });
    const offer = await createOffer(annaToken, offerInput({ customer }, [[product, 2]]));
    const sent = await sendBy(offer.id, 'EMAIL');
    expect(sent.__typename).toBe('MutationSendOfferSuccess');
    expect(sent.offer.status).toBe('SENT');
    const token = (await env.DB.prepare('SELECT public_token FROM offer').first<{ public_token: string }>())!
      .public_token;
    const rows = await outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      recipient_type: 'CUSTOMER',
      recipient_id: customer,
      channel: 'EMAIL',
      purpose: 'TRANSACTIONAL',
      address: 'karen@example.com',
    });
    expect(rows[0].body).toContain(`/o/${token}`);
    expect(rows[0].subject).toMatch(/^Tilbud nr\. \d+ · /);
  });

  it('refuses an SMS to a customer without a phone number: the offer stays a DRAFT, no message', async () => {
    const customer = await createCustomer(annaToken, { firstName: 'Nils', country: 'DK', locale: 'da' });
    const offer = await createOffer(annaToken, offerInput({ customer }, [[product, 1]]));
    const before = (await outbox()).length;
    const r = await sendBy(offer.id, 'SMS');
    expect(r.__typename).not.toBe('MutationSendOfferSuccess');
    expect(r.message).toBeTruthy();
    const row = await env.DB.prepare('SELECT status, public_token FROM offer WHERE id = ?')
      .bind(Number(atob(offer.id).split(':')[1]))
      .first<any>();
    expect(row).toMatchObject({ status: 'DRAFT', public_token: null });
    expect((await outbox()).length).toBe(before);
  });

  it('tells the owner in-app when the recipient opens, then accepts (once each, however often)', async () => {
    const customer = await createCustomer(annaToken, { firstName: 'Ida', country: 'DK', locale: 'da' });
    const offer = await createOffer(annaToken, offerInput({ customer }, [[product, 1]]));
    const path = (await send(annaToken, offer.id)).link.path as string;
    const mine = async () =>
      (
        await env.DB.prepare(
          "SELECT kind, subject_type, subject_id FROM notification WHERE distributor_id = ? AND kind LIKE 'OFFER_%' ORDER BY id",
        )
          .bind(anna)
          .all<any>()
      ).results;
    const id = String(Number(atob(offer.id).split(':')[1]));
    const view = await page(path);
    await page(path);
    expect(await mine()).toEqual([{ kind: 'OFFER_VIEWED', subject_type: 'OFFER', subject_id: id }]);
    const t = formTokenOf(view.html);
    await post(`${path}/accept`, t);
    await post(`${path}/accept`, t);
    expect((await mine()).map((n: any) => n.kind)).toEqual(['OFFER_VIEWED', 'OFFER_ACCEPTED']);
    const listed = await gqlOk(
      '{ notifications(first: 10) { unreadCount edges { node { kind subjectId } } } }',
      {},
      annaToken,
    );
    expect(listed.notifications.edges.map((e: any) => e.node.kind)).toEqual(
      expect.arrayContaining(['OFFER_VIEWED', 'OFFER_ACCEPTED']),
    );
  });
});
