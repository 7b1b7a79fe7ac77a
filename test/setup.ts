import { applyD1Migrations, env } from 'cloudflare:test';
import { restoreStorage, type StorageSeed, seedOf } from './storageReset';

// Every test file starts from a migrated database holding only what the migrations seed, and an empty bucket.
// Files of the "shared" project run one after another in one workerd (vitest `isolate: false`): the first one
// migrates and keeps the migrated rows; each later one puts them back (see storageReset.ts).
const worker = globalThis as { __storageSeed?: StorageSeed };
if (worker.__storageSeed === undefined) {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  worker.__storageSeed = await seedOf(env.DB);
} else {
  await restoreStorage(env.DB, env.FILES, worker.__storageSeed);
}
