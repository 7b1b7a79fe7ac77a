import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations`);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ENVIRONMENT: 'test' },
          compatibilityFlags: ['service_binding_extra_handlers'],
        },
      }),
    ],
    test: {
      root,
      include: ['test/**/*.test.ts'],
      setupFiles: ['test/setup.ts'],
      testTimeout: 30_000,
    },
  };
});
