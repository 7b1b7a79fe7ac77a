import { describe, expect, it } from 'vitest';
import { expectCountersFromScratch, ndjson, runImport, wipeGenealogy } from './genealogy-import.helpers';
import { adminToken } from './helpers';

describe('genealogy import', () => {
  it('imports a small NDJSON file into an empty company', async () => {
    await wipeGenealogy();
    const admin = await adminToken();
    const rows = [{ externalId: 'R', firstName: 'Root', lastName: 'One', country: 'DK', locale: 'da' }];
    for (let i = 1; i < 30; i++)
      rows.push({
        externalId: `M${i}`,
        sponsorExternalId: i < 3 ? 'R' : `M${Math.floor(i / 3)}`,
        firstName: `Fn${i}`,
        lastName: 'Ln',
        country: 'DK',
        locale: 'da',
      } as never);
    const imp = await runImport(admin, 'NDJSON', ndjson(rows));
    expect(imp).toMatchObject({ status: 'DONE', totalRows: 30, issues: [] });
    expect(await expectCountersFromScratch()).toBe(30);
  });
});
