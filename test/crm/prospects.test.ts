import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, distributorToken, enroll, gid, gql, gqlOk } from '../helpers';
import { CREATE_PROSPECT, createProspect, crmState, IMPORT_PROSPECTS, UPDATE_PROSPECT } from './helpers';

let admin: string;
let root: number;
let anna: number; // sponsored by root
let annaT: string;
let rootT: string;
let bo: number; // another branch
let boT: string;

beforeAll(async () => {
  admin = await adminToken();
  root = await enroll(admin, null);
  anna = await enroll(admin, root);
  bo = await enroll(admin, root);
  [rootT, annaT, boT] = await Promise.all([
    distributorToken(root),
    distributorToken(anna),
    distributorToken(bo),
  ]);
});

const LIST = `query($status: ProspectStatus) { prospects(first: 50, status: $status) { edges { node { id firstName status } } } }`;

describe('prospects', () => {
  it('a distributor adds and updates their own prospects, with status and next step', async () => {
    const id = await createProspect(annaT, {
      firstName: ' Łukasz ',
      lastName: 'Wiśniewski',
      email: 'Lukasz@Example.PL',
      phone: '+48 601 234 567',
      nextStep: 'Invite to the webinar',
      nextStepDate: '2026-12-01',
    });
    const upd = (await gqlOk(UPDATE_PROSPECT, { input: { id, status: 'INTERESTED', nextStep: null } }, annaT))
      .updateProspect;
    expect(upd.__typename).toBe('MutationUpdateProspectSuccess');
    expect(upd.prospect).toMatchObject({
      firstName: 'Łukasz',
      lastName: 'Wiśniewski',
      email: 'lukasz@example.pl',
      status: 'INTERESTED',
      nextStep: null,
      nextStepDate: '2026-12-01',
      source: 'MANUAL',
    });
    const mine = (await gqlOk(LIST, { status: 'INTERESTED' }, annaT)).prospects.edges;
    expect(mine.map((e: any) => e.node.id)).toContain(id);
  });

  it('prospects are private: not the upline, not another branch; refusals write nothing', async () => {
    const id = await createProspect(annaT, { firstName: 'Private', lastName: 'Person' });
    for (const token of [rootT, boT]) {
      expect((await gqlOk(LIST, {}, token)).prospects.edges.map((e: any) => e.node.id)).not.toContain(id);
      const node = await gqlOk(`query($id: ID!) { node(id: $id) { id } }`, { id }, token);
      expect(node.node).toBeNull();
      const before = await crmState();
      const r = (await gqlOk(UPDATE_PROSPECT, { input: { id, firstName: 'Hacked' } }, token)).updateProspect;
      expect(r.__typename).toBe('NotFoundError');
      const del = (
        await gqlOk(
          `mutation($input: DeleteProspectInput!) { deleteProspect(input: $input) { __typename } }`,
          { input: { id } },
          token,
        )
      ).deleteProspect;
      expect(del.__typename).toBe('NotFoundError');
      expect(await crmState()).toBe(before);
    }
    // A distributor cannot add to someone else's list.
    const before = await crmState();
    const r = (await gqlOk(CREATE_PROSPECT, { input: { ownerId: gid(anna), firstName: 'X' } }, boT))
      .createProspect;
    expect(r.__typename).toBe('ForbiddenError');
    expect(await crmState()).toBe(before);
    // Staff see it (support and GDPR requests) and may add for a named owner.
    const node = await gqlOk(
      `query($id: ID!) { node(id: $id) { ... on Prospect { firstName } } }`,
      { id },
      admin,
    );
    expect(node.node.firstName).toBe('Private');
  });

  it('validation: every bad field is listed and nothing is written', async () => {
    const before = await crmState();
    const r = (
      await gqlOk(
        CREATE_PROSPECT,
        { input: { firstName: '  ', email: 'nope', phone: 'abc', nextStepDate: '2026-02-30' } },
        annaT,
      )
    ).createProspect;
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues.map((i: any) => i.path).sort()).toEqual(['email', 'firstName', 'nextStepDate', 'phone']);
    expect(await crmState()).toBe(before);
  });
});

describe('import', () => {
  const run = (format: string, content: string, token = annaT) =>
    gqlOk(IMPORT_PROSPECTS, { input: { format, content } }, token).then((d) => d.importProspects);

  it('CSV with a header (semicolons, quotes, BOM, non-ASCII names)', async () => {
    const csv =
      '\uFEFFFirst name;Last name;E-mail;Phone;Status;Next step;Next step date\r\n' +
      'Łukasz;Wiśniewski;lukasz@example.pl;+48 601 234 567;new;Call;2026-12-01\r\n' +
      '"Søren ""Bøf""";Ærø;;;;"Meet; coffee";\r\n' +
      '\r\n' +
      'Jürgen;Groß;j@example.de;;CONTACTED;;\r\n';
    const r = await run('CSV', csv);
    expect(r.__typename).toBe('MutationImportProspectsSuccess');
    expect(r.result.count).toBe(3);
    expect(r.result.prospects.map((p: any) => [p.firstName, p.lastName, p.status, p.source])).toEqual([
      ['Łukasz', 'Wiśniewski', 'NEW', 'CSV'],
      ['Søren "Bøf"', 'Ærø', 'NEW', 'CSV'],
      ['Jürgen', 'Groß', 'CONTACTED', 'CSV'],
    ]);
    expect(r.result.prospects[1].nextStep).toBe('Meet; coffee');
  });

  it('CSV with a "name" column splits it', async () => {
    const r = await run('CSV', 'name,email\nAnna Maria Nowak,anna@example.pl\n');
    expect(r.result.prospects[0]).toMatchObject({ firstName: 'Anna Maria', lastName: 'Nowak' });
  });

  it('a CSV with problems is rejected whole, every problem with its line', async () => {
    const before = await crmState();
    const csv =
      'first_name,email,status\nGood,good@example.com,NEW\n,x@example.com,NEW\nBad,not-an-email,MAYBE\n';
    const r = await run('CSV', csv);
    expect(r.__typename).toBe('ImportRejectedError');
    expect(r.lines.map((l: any) => l.line)).toEqual([3, 4, 4]);
    expect(r.lines[0].message).toMatch(/firstName/);
    expect(await crmState()).toBe(before);
    const noHeader = await run('CSV', 'email\nx@example.com\n');
    expect(noHeader.__typename).toBe('ImportRejectedError');
    expect(noHeader.lines[0].line).toBe(1);
  });

  it('vCard 3.0 and 4.0 with folded lines, escapes and non-ASCII names', async () => {
    const vcf = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Wiśniewski;Łukasz;;;',
      'FN:Łukasz Wiśniewski',
      'EMAIL;TYPE=INTERNET,WORK:lukasz.w@',
      ' example.pl',
      'TEL;TYPE=CELL:+48 601 234 567',
      'NOTE:Met at the fair\\, likes tea\\nCall after 5',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Søren Kierkegaard',
      'item1.TEL;VALUE=uri:tel:+45-1234-5678',
      'END:VCARD',
      '',
    ].join('\r\n');
    const r = await run('VCARD', vcf);
    expect(r.__typename).toBe('MutationImportProspectsSuccess');
    expect(r.result.prospects).toMatchObject([
      {
        firstName: 'Łukasz',
        lastName: 'Wiśniewski',
        email: 'lukasz.w@example.pl',
        phone: '+48 601 234 567',
        source: 'VCARD',
      },
      { firstName: 'Søren', lastName: 'Kierkegaard', email: null, phone: '+45-1234-5678' },
    ]);
  });

  it('a broken vCard file is rejected with line numbers, nothing written', async () => {
    const before = await crmState();
    const vcf =
      'BEGIN:VCARD\nVERSION:3.0\nFN:Ok Person\nEND:VCARD\nBEGIN:VCARD\nVERSION:2.1\nEMAIL:x@example.com\nEND:VCARD\nBEGIN:VCARD\nFN:Never closed\n';
    const r = await run('VCARD', vcf);
    expect(r.__typename).toBe('ImportRejectedError');
    expect(r.lines.map((l: any) => l.line)).toEqual([5, 5, 9]);
    expect(await crmState()).toBe(before);
  });

  it('size cap and access', async () => {
    const big = `first_name\n${'x\n'.repeat(300_000)}`;
    const r = await run('CSV', big);
    expect(r.__typename).toBe('ValidationError');
    const anon = await gql(IMPORT_PROSPECTS, { input: { format: 'CSV', content: 'name\nA B\n' } });
    expect(anon.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const staffNoOwner = await run('CSV', 'name\nA B\n', admin);
    expect(staffNoOwner.__typename).toBe('ValidationError');
  });
});
