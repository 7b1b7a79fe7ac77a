import { env } from 'cloudflare:test';
import { extractText } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PROVIDERS } from '../fakes/provider-credentials';
import { adminToken, distributorToken, enroll, globalId, gqlOk, localId } from '../helpers';
import { until } from '../jobs/faults';
import { documenso, postDocumenso, sha256Hex } from './helpers';

let admin: string;

const AGREEMENT = `query($id: ID!) { node(id: $id) { ... on Distributor { id agreement { status signedAt provider document { sha256 size } } } } }`;
const UNSIGNED = '{ unsignedAgreements { id } }';

async function setTemplate(input: Record<string, unknown>) {
  return (
    await gqlOk(
      `mutation($input: SetAgreementTemplateInput!) { setAgreementTemplate(input: $input) { __typename
        ... on MutationSetAgreementTemplateSuccess { template { locale title } }
        ... on ValidationError { message issues { path code } } ... on Error { message } } }`,
      { input },
      admin,
    )
  ).setAgreementTemplate;
}

const requestOf = (id: number) =>
  env.DB.prepare("SELECT * FROM signature_request WHERE document_type = 'AGREEMENT' AND subject_id = ?")
    .bind(id)
    .first<Record<string, any>>();

beforeAll(async () => {
  admin = await adminToken();
});

describe('distributor agreements', () => {
  it('a member’s agreement from the template in their language, signed through Documenso; sponsor and staff see who has not signed', async () => {
    const bad = await setTemplate({ locale: 'pl', title: 'Umowa', body: 'Dla {{ nieznane }}' });
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues[0]).toMatchObject({ path: 'body' });
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM agreement_template WHERE locale = 'pl'").first())!.n,
    ).toBe(0);
    const ok = await setTemplate({
      locale: 'pl',
      title: 'Umowa dystrybutora {{ company }}',
      body: 'Umowa z {{ firstName }} {{ lastName }}, numer {{ memberId }}.\n\nZażółć gęślą jaźń.',
    });
    expect(ok).toMatchObject({ template: { locale: 'pl' } });

    await gqlOk(
      `mutation { updateEsignSettings(input: { agreementProvider: DOCUMENSO }) { __typename } }`,
      {},
      admin,
    );
    const root = await enroll(admin, null);
    const sponsor = await enroll(admin, root);
    const signer = await enroll(admin, sponsor, {
      firstName: 'Łucja',
      lastName: 'Wąs',
      country: 'PL',
      locale: 'pl',
    });
    const other = await enroll(admin, sponsor);
    const stranger = await enroll(admin, root);
    const sponsorToken = await distributorToken(sponsor);
    const strangerToken = await distributorToken(stranger);
    // Enrollment itself succeeds and sends nothing: the agreement goes out with the cron or staff's call.
    expect(await requestOf(signer)).toBeNull();
    const started = (
      await gqlOk(
        'mutation { sendAgreements { __typename ... on MutationSendAgreementsSuccess { started } } }',
        {},
        admin,
      )
    ).sendAgreements;
    expect(started.started).toBeGreaterThanOrEqual(4);
    const sent = await until(
      () => requestOf(signer),
      (r) => r?.status === 'SENT',
      'the agreement sent',
    );
    expect(sent).toMatchObject({ provider: 'DOCUMENSO', language: 'pl', signer_first_name: 'Łucja' });
    // Calling again starts nothing new.
    const again = (
      await gqlOk(
        'mutation { sendAgreements { __typename ... on MutationSendAgreementsSuccess { started } } }',
        {},
        admin,
      )
    ).sendAgreements;
    expect(again.started).toBe(0);

    // The document is the Polish template filled with the member's data.
    const source = (await env.FILES.get(sent!.source_key))!;
    const text = (await extractText(new Uint8Array(await source.arrayBuffer()), { mergePages: true }))
      .text as string;
    expect(text).toContain(`Umowa z Łucja Wąs, numer ${signer}.`);
    expect(text).toContain('Zażółć gęślą jaźń.');

    const unsignedBySponsor = (await gqlOk(UNSIGNED, {}, sponsorToken)).unsignedAgreements.map((d: any) =>
      localId(d.id),
    );
    expect(unsignedBySponsor.sort()).toEqual([signer, other].sort());

    await documenso('/__fake/complete', { id: sent!.external_id });
    const completed = await documenso('/__fake/webhook', {
      id: sent!.external_id,
      event: 'DOCUMENT_COMPLETED',
    });
    expect(
      (await postDocumenso(completed.body, FAKE_PROVIDERS.DOCUMENSO_WEBHOOK_SECRET, completed.deliveryId))
        .status,
    ).toBe(200);
    const done = await until(
      () => requestOf(signer),
      (r) => r?.status === 'COMPLETED',
      'signed',
    );
    const signed = new Uint8Array(await (await env.FILES.get(done!.signed_key))!.arrayBuffer());

    const bySponsor = (await gqlOk(AGREEMENT, { id: globalId('Distributor', signer) }, sponsorToken)).node;
    expect(bySponsor.agreement).toMatchObject({
      status: 'COMPLETED',
      provider: 'DOCUMENSO',
      signedAt: done!.completed_at,
      document: { sha256: await sha256Hex(signed), size: signed.byteLength },
    });
    const byStaff = (await gqlOk(AGREEMENT, { id: globalId('Distributor', other) }, admin)).node;
    expect(byStaff.agreement).toMatchObject({ status: 'SENT', signedAt: null, document: null });
    expect(
      (await gqlOk(UNSIGNED, {}, sponsorToken)).unsignedAgreements.map((d: any) => localId(d.id)),
    ).toEqual([other]);
    const staffList = (await gqlOk(UNSIGNED, {}, admin)).unsignedAgreements.map((d: any) => localId(d.id));
    expect(staffList).toContain(other);
    expect(staffList).toContain(stranger);
    expect(staffList).not.toContain(signer);
    // Someone outside the line does not get the sponsor's list.
    expect((await gqlOk(UNSIGNED, {}, strangerToken)).unsignedAgreements).toEqual([]);
  });
});
