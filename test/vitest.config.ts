import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { fakeAutenti } from './fakes/autenti.ts';
import { fakeDocumenso } from './fakes/documenso.ts';
import { fakeGatewayApi } from './fakes/gatewayapi.ts';
import { fakeMetaGraph } from './fakes/meta-graph.ts';
import { FAKE_PROVIDERS } from './fakes/provider-credentials.ts';
import { fakeResend } from './fakes/resend.ts';
import { fakeTwilio } from './fakes/twilio.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** wrangler.toml's `[[rules]] type = "Data"` for .ttf files, for the test runner: the import is an ArrayBuffer. */
const ttfAsData = {
  name: 'ttf-as-data',
  enforce: 'pre' as const,
  load(id: string) {
    if (!id.endsWith('.ttf')) return null;
    const b64 = readFileSync(id).toString('base64');
    return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0)).buffer;`;
  },
};

/**
 * Files that need a workerd of their own: they count on the real rate limits (10 logins a minute) from a clean
 * start, which files sharing one workerd would use up between them.
 */
const ISOLATED = ['test/auth/rate-limits.test.ts', 'test/auth/password-reset.test.ts'];

export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations`);
  const workers = (overrides: Record<string, unknown> = {}) =>
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          ENVIRONMENT: 'test',
          // Lead intake: Graph API calls go to the local fake below, never to the internet.
          GRAPH_API_BASE: 'https://graph.fake.test/v21.0',
          // Messaging: provider calls go to the local fakes below, with the credentials they check.
          ...FAKE_PROVIDERS,
        },
        serviceBindings: {
          GRAPH_API: fakeMetaGraph,
          TWILIO_API: fakeTwilio,
          GATEWAYAPI_API: fakeGatewayApi,
          RESEND_API: fakeResend,
          AUTENTI_API: fakeAutenti,
          DOCUMENSO_API: fakeDocumenso,
        },
        compatibilityFlags: ['service_binding_extra_handlers'],
        ...overrides,
      },
    });
  return {
    plugins: [ttfAsData],
    test: {
      root,
      setupFiles: ['test/setup.ts'],
      testTimeout: 30_000,
      // Vitest runs cores − 1 files at once by default: one at a time on the 2-core CI machine. Two at once
      // halved the suite there (868 s → 421 s); every file has its own storage, so they do not interfere.
      maxWorkers: 2,
      projects: [
        {
          extends: true,
          plugins: [workers()],
          test: { name: 'isolated', include: ISOLATED },
        },
        {
          extends: true,
          // One workerd per vitest worker, reused file after file (test/setup.ts resets D1 and R2 between files).
          // Its login limit is out of reach, as many files sign in as the same accounts within a minute.
          plugins: [
            workers({
              ratelimits: {
                AUTH_ATTEMPT_LIMITER: { namespace_id: '1001', simple: { limit: 1_000_000, period: 60 } },
                API_KEY_LIMITER: { namespace_id: '1002', simple: { limit: 1_000_000, period: 60 } },
              },
            }),
          ],
          test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false },
        },
      ],
    },
  };
});
