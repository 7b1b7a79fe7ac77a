// The Volume type and how a request reads a member's volume of a period; genealogy's API puts it on its
// Distributor, Leg and TeamStatistics types (genealogy/graphql/volumes.ts).
import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { monthInZone } from '../../lib/time';
import type { VolumeRow } from './reads';

const EMPTY = { pv: 0, cv: 0, customer_pv: 0, customer_cv: 0, gv: 0, gcv: 0, qualified_downline: 0 };

export const Volume = builder.objectRef<VolumeRow>('Volume').implement({
  description: 'Volumes of one commission period (live while the period is open).',
  fields: (t) => ({
    period: t.exposeString('period'),
    pv: t.expose('pv', { type: 'SafeInt', description: 'QV of paid orders attributed to the member.' }),
    cv: t.expose('cv', {
      type: 'SafeInt',
      description: 'CV of the same orders, minor units of the payout currency.',
    }),
    customerPv: t.expose('customer_pv', {
      type: 'SafeInt',
      description: 'The part of PV from customer orders.',
    }),
    customerCv: t.expose('customer_cv', { type: 'SafeInt' }),
    // Group sums outgrow GraphQL's 32-bit Int (a root's GCV in cents passes 2^31 around 100,000 members):
    // Float carries every integer up to 2^53 exactly.
    gv: t.expose('gv', {
      type: 'SafeInt',
      description: 'PV of the member plus their whole sponsor downline (a whole number).',
    }),
    gcv: t.expose('gcv', { type: 'SafeInt', description: 'CV of the same, minor units (a whole number).' }),
    qualifiedDownline: t.exposeInt('qualified_downline', {
      description: 'Downline members whose PV reached the company’s active threshold this period.',
    }),
  }),
});

/** Through the request's batch loader: the legs of a member read their volumes in one query. */
export async function volumeOf(ctx: GraphQLContext, id: number, period: string): Promise<VolumeRow> {
  return (await ctx.loaders.volume.load([id, period])) ?? { distributor_id: id, period, ...EMPTY };
}

/** The current period: the month now in the company time zone. */
export async function currentPeriod(ctx: GraphQLContext): Promise<string> {
  return monthInZone(new Date(), (await ctx.loaders.settings()).timeZone);
}

/** A period argument: YYYY-MM. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
