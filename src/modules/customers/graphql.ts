import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { listOwner } from '../auth/listOwner';
import { Distributor, LocaleEnum, visibleDistributor } from '../genealogy/graphql';
import {
  type CustomerRow,
  canViewCustomer,
  createCustomer,
  customersByIds,
  customersPage,
  requireCustomer,
  updateCustomer,
} from './repository';

const Consent = builder.objectRef<CustomerRow>('MarketingConsent').implement({
  description: 'What the customer agreed to receive, when, and where they agreed.',
  fields: (t) => ({
    emailSince: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.consent_email_at }),
    smsSince: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.consent_sms_at }),
    source: t.exposeString('consent_source', { nullable: true }),
  }),
});

export const Customer = builder.objectRef<CustomerRow>('Customer');
builder.node(Customer, {
  id: { resolve: (c) => c.id },
  loadMany: async (ids, ctx) => {
    const rows = await customersByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewCustomer(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'owner_id' in o && 'consent_source' in o,
  fields: (t) => ({
    firstName: t.exposeString('first_name'),
    lastName: t.exposeString('last_name'),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    country: t.exposeString('country'),
    locale: t.field({ type: LocaleEnum, resolve: (c) => c.locale }),
    notes: t.exposeString('notes', { nullable: true }),
    consent: t.field({ type: Consent, resolve: (c) => c }),
    owner: t.field({
      type: Distributor,
      nullable: true,
      resolve: (c, _a, ctx) => visibleDistributor(ctx, c.owner_id),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.created_at }),
  }),
});

builder.queryField('customers', (t) =>
  t.connection({
    type: Customer,
    authScopes: { loggedIn: true },
    description: 'A distributor’s own customers (staff: everyone’s, or one owner’s), newest first.',
    args: {
      ownerId: t.arg.globalID({ required: false, for: Distributor }),
      search: t.arg.string({ required: false, description: 'Part of the name or e-mail.' }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      const owner = listOwner(
        ctx.viewer,
        args.ownerId ? Number(args.ownerId.id) : null,
        'customers',
        'orders:write',
      );
      return resolvePage<Promise<CustomerRow[]>>(
        { args, toCursor: (c: CustomerRow) => encodeCursor([c.id]), defaultSize: 20, maxSize: 100 },
        (page) => customersPage(ctx.db, { owner, search: args.search }, page),
      );
    },
  }),
);

const ConsentInput = builder.inputType('MarketingConsentInput', {
  fields: (t) => ({
    email: t.boolean({ required: true }),
    sms: t.boolean({ required: true }),
    source: t.string({
      required: true,
      description: 'Where it was given, e.g. "signup form", "phone call".',
    }),
  }),
});

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  fields: (t) => ({
    ownerId: t.globalID({
      required: false,
      for: Distributor,
      description: 'Staff only; a distributor owns what they add.',
    }),
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: true }),
    locale: t.field({ type: LocaleEnum, required: true }),
    notes: t.string({ required: false }),
    consent: t.field({ type: ConsentInput, required: false }),
  }),
});

builder.mutationField('createCustomer', (t) =>
  t.field({
    type: Customer,
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'customer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { ownerId, ...rest } = input;
      const v = ctx.viewer;
      let owner: number;
      if (v.kind === 'DISTRIBUTOR') {
        if (ownerId && Number(ownerId.id) !== v.distributorId)
          throw new ForbiddenError('You add customers for yourself.');
        owner = v.distributorId;
      } else {
        if (!ownerId)
          throw new ValidationError('Say who owns the customer.', [
            { path: 'ownerId', message: 'Required.', code: 'REQUIRED' },
          ]);
        owner = Number(ownerId.id);
      }
      return createCustomer(ctx.db, owner, rest);
    },
  }),
);

const UpdateCustomerInput = builder.inputType('UpdateCustomerInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Customer }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    country: t.string({ required: false }),
    locale: t.field({ type: LocaleEnum, required: false }),
    notes: t.string({ required: false }),
    consent: t.field({ type: ConsentInput, required: false }),
  }),
});

builder.mutationField('updateCustomer', (t) =>
  t.field({
    type: Customer,
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'customer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: UpdateCustomerInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const { id, ...patch } = input;
      const current = await requireCustomer(ctx.db, ctx.viewer, Number(id.id));
      return updateCustomer(ctx.db, current, patch);
    },
  }),
);
