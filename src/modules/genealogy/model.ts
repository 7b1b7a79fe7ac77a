// The distributor row as stored, and the shapes the genealogy module hands to the API layer.
import type { distributor } from './tables';

export const LOCALES = ['da', 'pl', 'de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type TreeKind = 'SPONSOR' | 'PLACEMENT';

/** A distributor as every read returns it (DISTRIBUTOR_COLUMNS: secrets and bulk-load bookkeeping aside). */
export type DistributorRow = Omit<
  typeof distributor.$inferSelect,
  | 'search_name'
  | 'placement_open'
  | 'password_hash'
  | 'import_id'
  | 'iban'
  | 'bic'
  | 'lifetime_rank_id'
  | 'token_version'
>;

/** Every column but secrets; used by every read of distributors. */
export const DISTRIBUTOR_COLUMNS = `id, external_id, referral_code, first_name, last_name, email, phone, country, locale,
  status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position,
  placement_path, placement_depth, placement_child_count, team_size, team_active, placement_team_size,
  lifetime_rank, created_at, updated_at`;
