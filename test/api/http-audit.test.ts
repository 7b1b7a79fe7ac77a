import { SELF } from 'cloudflare:test';
import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';

// The GraphQL-over-HTTP spec audit (graphql-http): /graphql must pass every MUST and SHOULD.
describe('GraphQL over HTTP', () => {
  for (const audit of serverAudits({
    url: 'http://localhost/graphql',
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => SELF.fetch(input as string, init),
  })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? result.reason : '').not.toBe('error');
      if (result.id.startsWith('MUST') || audit.name.startsWith('MUST')) expect(result.status).toBe('ok');
    });
  }
});
