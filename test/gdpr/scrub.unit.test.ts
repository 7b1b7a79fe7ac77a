// The text replacements of an erasure outside D1 (dead letters in R2): plain text and JSON-encoded strings.
import { describe, expect, it } from 'vitest';
import { needlesOf, scrubJson, scrubText } from '../../src/modules/gdpr/model';

const needles = needlesOf(
  [{ first: 'Zofia', last: 'Kowalska', email: 'Zofia.K@example.pl', phone: '+48600100200' }],
  { full: 'Member 7', email: 'erased-distributor-7@erased.invalid' },
);

describe('scrubText / scrubJson', () => {
  it('replaces full names before their parts, e-mails (also lower-cased) and phones with and without +', () => {
    expect(scrubText('Zofia Kowalska <Zofia.K@example.pl>, zofia.k@example.pl, 48600100200', needles)).toBe(
      'Member 7 <erased-distributor-7@erased.invalid>, erased-distributor-7@erased.invalid, [phone erased]',
    );
  });

  it('finds them inside a JSON-encoded body kept as a string, and the result is still the same JSON shape', () => {
    const inner = JSON.stringify({ name: 'Zofia Kowalska', note: 'call "+48600100200"' });
    const record = JSON.stringify({ kind: 'leads.intake', body: { delivery: { body: inner } } });
    const scrubbed = JSON.parse(scrubJson(record, needles));
    expect(JSON.parse(scrubbed.body.delivery.body)).toEqual({
      name: 'Member 7',
      note: 'call "[phone erased]"',
    });
    expect(scrubJson(record, [])).toBe(record);
  });
});
