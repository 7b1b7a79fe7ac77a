import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { encodeGlobalId } from '../../lib/globalId';
import { decodeCursor, encodeCursor } from '../../lib/keyset';
import { type PersonHitRow, searchPeople } from './query';
import { PERSON_KINDS } from './sql';

const PersonKindEnum = builder.enumType('PersonKind', { values: PERSON_KINDS });

const TYPENAME = {
  DISTRIBUTOR: 'Distributor',
  CUSTOMER: 'Customer',
  PROSPECT: 'Prospect',
  LEAD: 'Lead',
} as const;

const PersonHit = builder.objectRef<PersonHitRow>('PersonHit').implement({
  description: 'A person found by searchPeople; fetch more with node(id:).',
  fields: (t) => ({
    id: t.id({
      description: 'The person’s global id (Distributor, Customer, Prospect or Lead).',
      resolve: (h) => encodeGlobalId(TYPENAME[h.kind], h.ref_id),
    }),
    kind: t.field({ type: PersonKindEnum, resolve: (h) => h.kind }),
    name: t.exposeString('display'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
  }),
});

builder.queryField('searchPeople', (t) =>
  t.connection({
    type: PersonHit,
    authScopes: { admin: true, distributor: true },
    description:
      'People the caller may see (a distributor: themself, their downline in both trees, their own customers, prospects and leads; staff: everyone) whose name or e-mail words start with every word typed, or whose phone number contains the digits typed (with or without country code). "lukasz" finds "Łukasz". Newest first.',
    args: {
      query: t.arg.string({ required: true }),
      kinds: t.arg({ type: [PersonKindEnum], required: false }),
    },
    complexity: (args) => ({ field: 3, multiplier: Math.min(args.first ?? args.last ?? 20, 50) }),
    resolve: (_r, args, ctx) =>
      resolvePage<Promise<PersonHitRow[]>>(
        { args, toCursor: (h: PersonHitRow) => encodeCursor([h.rowid]), defaultSize: 20, maxSize: 50 },
        (page) =>
          searchPeople(ctx.db, ctx.viewer, args.query, args.kinds?.length ? args.kinds : null, {
            afterRowid: page.after ? Number(decodeCursor(page.after, 1)[0]) : null,
            beforeRowid: page.before ? Number(decodeCursor(page.before, 1)[0]) : null,
            limit: page.limit,
            inverted: page.inverted,
          }),
      ),
  }),
);
