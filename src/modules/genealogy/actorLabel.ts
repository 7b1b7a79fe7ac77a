import type { GraphQLContext } from '../../graphql/context';
import { canViewDistributor } from './access';

// How the author of a row (an activity, a task, a lead assignment) is shown. Staff see the stored actor
// ("distributor:5", "staff:1", "apikey:2"); so does a distributor who may see that member anyway. Anyone
// else sees a public name only: "Anna K." for a distributor, "Staff", "Integration". Never a person's or key's
// internal id.

export function publicName(first: string, last: string): string {
  const initial = [...last.trim()][0];
  return initial ? `${first.trim()} ${initial.toUpperCase()}.` : first.trim();
}

export async function actorLabel(ctx: GraphQLContext, actor: string): Promise<string> {
  if (ctx.viewer.kind === 'ADMIN') return actor;
  const [kind, rawId] = actor.split(':');
  if (kind === 'staff') return 'Staff';
  if (kind === 'apikey') return 'Integration';
  if (kind !== 'distributor') return actor; // "router", "rule:<id>": not a person
  const row = await ctx.loaders.distributor.load(Number(rawId));
  if (!row) return 'Distributor';
  return canViewDistributor(ctx.viewer, row) ? actor : publicName(row.first_name, row.last_name);
}
