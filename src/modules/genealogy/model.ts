// The distributor row as stored, and the shapes the genealogy module hands to the API layer.

export const DISTRIBUTOR_STATUSES = ['ACTIVE', 'SUSPENDED', 'TERMINATED'] as const;
export type DistributorStatus = (typeof DISTRIBUTOR_STATUSES)[number];
export const LOCALES = ['da', 'pl', 'de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type TreeKind = 'SPONSOR' | 'PLACEMENT';

export interface DistributorRow {
  id: number;
  external_id: string | null;
  referral_code: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  country: string;
  locale: Locale;
  status: DistributorStatus;
  joined_at: string;
  sponsor_id: number | null;
  sponsor_path: string;
  sponsor_depth: number;
  placement_parent_id: number | null;
  placement_position: number | null;
  placement_path: string;
  placement_depth: number;
  placement_child_count: number;
  team_size: number;
  team_active: number;
  placement_team_size: number;
  lifetime_rank: number;
  created_at: string;
  updated_at: string;
}

/** Every column but secrets; used by every read of distributors. */
export const DISTRIBUTOR_COLUMNS = `id, external_id, referral_code, first_name, last_name, email, phone, country, locale,
  status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id, placement_position,
  placement_path, placement_depth, placement_child_count, team_size, team_active, placement_team_size,
  lifetime_rank, created_at, updated_at`;
