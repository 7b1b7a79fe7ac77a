import type { ApiKeyScope } from './apiKeys';

/** Who is calling. Distributor viewers carry their current tree paths (reloaded each request). */
export type Viewer =
  | { kind: 'ANONYMOUS' }
  | { kind: 'ADMIN'; staffId: number }
  | {
      kind: 'DISTRIBUTOR';
      distributorId: number;
      sponsorPath: string;
      placementPath: string;
      sponsorId: number | null;
    }
  | { kind: 'INTEGRATION'; apiKeyId: number; scopes: ApiKeyScope[] }
  /** Scheduled work acting on the company's behalf (never reaches the API). */
  | { kind: 'SYSTEM'; actor: string };

export const ANONYMOUS: Viewer = { kind: 'ANONYMOUS' };
