import { describe, expect, it } from 'vitest';
import { autentiState } from '../../src/modules/esign/autenti';
import { documensoState } from '../../src/modules/esign/documenso';
import { isFinal, RANK, SIGNATURE_STATUSES } from '../../src/modules/esign/model';
import { permanentStatus } from '../../src/modules/esign/provider';

describe('signature statuses', () => {
  it('only move forward: the final ones share the top rank, above every other', () => {
    const finals = SIGNATURE_STATUSES.filter(isFinal);
    expect(finals.sort()).toEqual(['CANCELLED', 'COMPLETED', 'FAILED', 'REJECTED']);
    const others = SIGNATURE_STATUSES.filter((s) => !isFinal(s)).map((s) => RANK[s]);
    expect(others).toEqual([0, 1, 2, 3]);
    for (const f of finals) expect(RANK[f]).toBeGreaterThan(Math.max(...others));
  });

  it('map the providers’ words', () => {
    expect(autentiState('DOCUMENT_PROCESS_STATUS:COMPLETED')).toBe('COMPLETED');
    expect(autentiState('COMPLETED')).toBe('COMPLETED');
    expect(autentiState('REJECTED')).toBe('REJECTED');
    expect(autentiState('WITHDRAWN')).toBe('CANCELLED');
    expect(autentiState('PROCESSING')).toBe('SENT');
    expect(autentiState(undefined)).toBe('SENT');
    expect(documensoState('COMPLETED')).toBe('COMPLETED');
    expect(documensoState('PENDING')).toBe('SENT');
    expect(documensoState('REJECTED')).toBe('REJECTED');
    expect(documensoState('CANCELLED')).toBe('CANCELLED');
  });

  it('treat 5xx, 408, 429 as retryable and other 4xx as final', () => {
    expect([500, 502, 503, 408, 429].map(permanentStatus)).toEqual([false, false, false, false, false]);
    expect([400, 401, 402, 403, 404, 422].map(permanentStatus)).toEqual([true, true, true, true, true, true]);
  });
});
