import { ForbiddenError } from '../../lib/errors';
import type { ApiKeyScope } from './apiKeys';
import type { Viewer } from './viewer';

/**
 * Whose rows a list shows: a distributor only their own (asking for someone else's is refused); staff,
 * and integrations holding `integrationScope`, the one requested or everyone's (null).
 */
export function listOwner(
  viewer: Viewer,
  requested: number | null,
  noun: string,
  integrationScope?: ApiKeyScope,
): number | null {
  if (viewer.kind === 'DISTRIBUTOR') {
    if (requested != null && requested !== viewer.distributorId)
      throw new ForbiddenError(`You see only your own ${noun}.`);
    return viewer.distributorId;
  }
  if (viewer.kind === 'ADMIN') return requested;
  if (viewer.kind === 'INTEGRATION' && integrationScope && viewer.scopes.includes(integrationScope))
    return requested;
  throw new ForbiddenError();
}
