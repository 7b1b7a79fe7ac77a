import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { Product } from '../catalog/graphql';
import { visibleLead } from '../crm/leadsBridge';
import { Customer } from '../customers/graphql';
import { canViewCustomer, customersByIds } from '../customers/repository';
import { Distributor, LocaleEnum, visibleDistributor } from '../genealogy/graphql/types';
import { Lead } from '../leads/graphql/leads';
import { Order } from '../orders/graphql';
import { canViewOrder } from '../orders/lists';
import { orderById } from '../orders/repository';
import { sendOfferWithLink } from './deliver';
import { OFFER_STATUSES, type OfferLineRow, type OfferRow, type OfferSettingsRow } from './model';
import {
  addOfferLines,
  createOffer,
  publicPath,
  reviseOffer,
  revokeOfferLink,
  updateOfferSettings,
} from './offers';
import { canViewOffer, offerSettings, offersByIds, offersPage, requireOffer } from './repository';

const OfferStatusEnum = builder.enumType('OfferStatus', { values: OFFER_STATUSES });

const OfferLine = builder.objectRef<OfferLineRow>('OfferLine').implement({
  description: 'A line of an offer, priced in the offer’s currency (net of VAT, minor units).',
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'discount_bp' in o,
  fields: (t) => ({
    position: t.exposeInt('position'),
    product: t.field({
      type: Product,
      nullable: true,
      resolve: (l, _a, ctx) => ctx.loaders.product.load(l.product_id),
    }),
    sku: t.exposeString('sku'),
    name: t.exposeString('name', {
      description: 'In the offer’s language, as it was when the offer was made.',
    }),
    quantity: t.exposeInt('quantity'),
    unitPrice: t.field({
      type: 'SafeInt',
      description: 'Catalogue retail price.',
      resolve: (l) => l.unit_price,
    }),
    discountBp: t.exposeInt('discount_bp', { description: 'Discount in basis points (100 = 1 %).' }),
    unitNet: t.field({
      type: 'SafeInt',
      description: 'Unit price after the discount, rounded half up.',
      resolve: (l) => l.unit_net,
    }),
    lineNet: t.field({ type: 'SafeInt', description: 'unitNet × quantity.', resolve: (l) => l.line_net }),
  }),
});

const OfferLink = builder.objectRef<OfferRow>('OfferLink').implement({
  description: 'The offer’s public link (no login). Shown to its owner and staff only.',
  fields: (t) => ({
    path: t.string({ resolve: (o) => publicPath(o.public_token!) }),
    url: t.string({
      nullable: true,
      description: 'The full address when PUBLIC_BASE_URL is configured.',
      resolve: (o, _a, ctx) =>
        ctx.env.PUBLIC_BASE_URL
          ? `${ctx.env.PUBLIC_BASE_URL.replace(/\/$/, '')}${publicPath(o.public_token!)}`
          : null,
    }),
    pdfPath: t.string({ resolve: (o) => `${publicPath(o.public_token!)}/pdf` }),
  }),
});

export const Offer = builder.objectRef<OfferRow>('Offer');
builder.node(Offer, {
  id: { resolve: (o) => o.id },
  loadMany: async (ids, ctx) => {
    const rows = await offersByIds(ctx.db, ids.map(Number));
    return ids.map((id) => rows.find((r) => r.id === Number(id) && canViewOffer(ctx.viewer, r)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'public_token' in o,
  description:
    'A quote for a customer or a lead: catalogue lines at the market’s prices, net, VAT and gross.',
  fields: (t) => ({
    status: t.field({ type: OfferStatusEnum, resolve: (o) => o.status }),
    owner: t.field({
      type: Distributor,
      nullable: true,
      resolve: (o, _a, ctx) => visibleDistributor(ctx, o.owner_id),
    }),
    customer: t.field({
      type: Customer,
      nullable: true,
      resolve: async (o, _a, ctx) => {
        if (o.customer_id == null) return null;
        const [c] = await customersByIds(ctx.db, [o.customer_id]);
        return c && canViewCustomer(ctx.viewer, c) ? c : null;
      },
    }),
    lead: t.field({
      type: Lead,
      nullable: true,
      resolve: (o, _a, ctx) => (o.lead_id == null ? null : visibleLead(ctx.db, ctx.viewer, o.lead_id)),
    }),
    country: t.exposeString('country'),
    currency: t.exposeString('currency'),
    locale: t.field({ type: LocaleEnum, resolve: (o) => o.locale }),
    vatRateBp: t.exposeInt('vat_rate_bp', { description: 'VAT rate in basis points (2500 = 25 %).' }),
    validUntil: t.exposeString('valid_until', {
      description: 'The last day it can be accepted (YYYY-MM-DD).',
    }),
    note: t.exposeString('note', { nullable: true }),
    terms: t.exposeString('terms', { nullable: true }),
    net: t.field({ type: 'SafeInt', resolve: (o) => o.net }),
    vat: t.field({ type: 'SafeInt', description: 'Round half up of net × rate.', resolve: (o) => o.vat }),
    gross: t.field({ type: 'SafeInt', resolve: (o) => o.gross }),
    lines: t.field({ type: [OfferLine], resolve: (o, _a, ctx) => ctx.loaders.offerLines.load(o.id) }),
    link: t.field({
      type: OfferLink,
      nullable: true,
      description: 'Null until sent, and while the link is revoked.',
      resolve: (o) => (o.public_token && !o.link_revoked_at ? o : null),
    }),
    pdfPath: t.string({
      description: 'GET with the same Authorization header: the PDF (also stored in R2 with its SHA-256).',
      resolve: (o) => `/offers/${o.id}/pdf`,
    }),
    supersedes: t.field({
      type: Offer,
      nullable: true,
      resolve: (o, _a, ctx) =>
        o.supersedes_id ? requireOffer(ctx.db, ctx.viewer, o.supersedes_id).catch(() => null) : null,
    }),
    supersededBy: t.field({
      type: Offer,
      nullable: true,
      resolve: (o, _a, ctx) =>
        o.superseded_by_id ? requireOffer(ctx.db, ctx.viewer, o.superseded_by_id).catch(() => null) : null,
    }),
    order: t.field({
      type: Order,
      nullable: true,
      resolve: async (o, _a, ctx) => {
        if (o.order_id == null) return null;
        const row = await orderById(ctx.db, o.order_id);
        return row && canViewOrder(ctx.viewer, row) ? row : null;
      },
    }),
    sentAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.sent_at }),
    viewedAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.viewed_at }),
    decidedAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.decided_at }),
    decisionIp: t.exposeString('decision_ip', { nullable: true }),
    decisionUserAgent: t.exposeString('decision_user_agent', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (o) => o.created_at }),
  }),
});

builder.queryField('offers', (t) =>
  t.connection({
    type: Offer,
    authScopes: { admin: true, distributor: true },
    description: 'A distributor’s own offers (staff: everyone’s), newest first.',
    args: {
      status: t.arg({ type: OfferStatusEnum, required: false }),
      customerId: t.arg.globalID({ required: false, for: Customer }),
      leadId: t.arg.globalID({ required: false, for: Lead }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) =>
      resolvePage<Promise<OfferRow[]>>(
        { args, toCursor: (o: OfferRow) => encodeCursor([o.id]), defaultSize: 20, maxSize: 100 },
        (page) =>
          offersPage(
            ctx.db,
            {
              ownerId: ctx.viewer.kind === 'DISTRIBUTOR' ? ctx.viewer.distributorId : null,
              status: args.status ?? null,
              customerId: args.customerId ? Number(args.customerId.id) : null,
              leadId: args.leadId ? Number(args.leadId.id) : null,
            },
            page,
          ),
      ),
  }),
);

const OfferSettings = builder.objectRef<OfferSettingsRow>('OfferSettings').implement({
  fields: (t) => ({
    maxDiscountBp: t.exposeInt('max_discount_bp', {
      description: 'The largest discount per line, basis points.',
    }),
    brandColor: t.exposeString('brand_color'),
    accentColor: t.exposeString('accent_color'),
  }),
});

builder.queryField('offerSettings', (t) =>
  t.field({
    type: OfferSettings,
    authScopes: { admin: true, distributor: true },
    resolve: (_r, _a, ctx) => offerSettings(ctx.db),
  }),
);

const OfferLineInput = builder.inputType('OfferLineInput', {
  fields: (t) => ({
    productId: t.globalID({ required: true, for: Product }),
    quantity: t.int({ required: true, description: '1 to 10,000.' }),
    discountBp: t.int({ required: false, description: 'Basis points, within the company’s limit.' }),
  }),
});

const lineArgs = (lines: { productId: { id: string }; quantity: number; discountBp?: number | null }[]) =>
  lines.map((l) => ({
    productId: Number(l.productId.id),
    quantity: l.quantity,
    discountBp: l.discountBp ?? null,
  }));

const CreateOfferInput = builder.inputType('CreateOfferInput', {
  fields: (t) => ({
    customerId: t.globalID({ required: false, for: Customer, description: 'The customer, or…' }),
    leadId: t.globalID({ required: false, for: Lead, description: '…the lead the offer is for.' }),
    lines: t.field({ type: [OfferLineInput], required: true }),
    validUntil: t.string({ required: true, description: 'YYYY-MM-DD, today to a year ahead.' }),
    note: t.string({ required: false }),
    terms: t.string({ required: false }),
  }),
});

const errorTypes = [ValidationError, NotFoundError, ForbiddenError, ConflictError];

builder.mutationField('createOffer', (t) =>
  t.field({
    type: Offer,
    description: 'A DRAFT offer for one of your customers or leads (staff: anyone’s).',
    errors: { types: errorTypes, dataField: { name: 'offer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: CreateOfferInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      createOffer(ctx.db, ctx.viewer, {
        ...input,
        customerId: input.customerId ? Number(input.customerId.id) : null,
        leadId: input.leadId ? Number(input.leadId.id) : null,
        lines: lineArgs(input.lines),
      }),
  }),
);

const ReviseOfferInput = builder.inputType('ReviseOfferInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Offer }),
    lines: t.field({ type: [OfferLineInput], required: true }),
    validUntil: t.string({ required: false, description: 'Defaults to the revised offer’s.' }),
    note: t.string({ required: false }),
    terms: t.string({ required: false }),
  }),
});

builder.mutationField('reviseOffer', (t) =>
  t.field({
    type: Offer,
    description: 'A new DRAFT that replaces the offer once it is sent (the old link then points to it).',
    errors: { types: errorTypes, dataField: { name: 'offer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: ReviseOfferInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { id, ...rest } = input;
      return reviseOffer(ctx.db, ctx.viewer, Number(id.id), { ...rest, lines: lineArgs(rest.lines) });
    },
  }),
);

const AddOfferLinesInput = builder.inputType('AddOfferLinesInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Offer }),
    lines: t.field({
      type: [OfferLineInput],
      required: true,
      description: 'Up to 100 per call; 500 in all.',
    }),
  }),
});

builder.mutationField('addOfferLines', (t) =>
  t.field({
    type: Offer,
    description: 'More lines on a DRAFT (long offers are built in calls of up to 100 lines).',
    errors: { types: errorTypes, dataField: { name: 'offer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: AddOfferLinesInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      addOfferLines(ctx.db, ctx.viewer, Number(input.id.id), { lines: lineArgs(input.lines) }),
  }),
);

const OfferIdInput = builder.inputType('OfferIdInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Offer }) }),
});

const OfferDelivery = builder.enumType('OfferDelivery', {
  values: ['SMS', 'EMAIL'] as const,
  description: 'How the link reaches the recipient: a transactional SMS or e-mail through the outbox.',
});

const SendOfferInput = builder.inputType('SendOfferInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Offer }),
    deliverBy: t.field({
      type: OfferDelivery,
      required: false,
      description:
        'Send the link by SMS or e-mail too (checked first: an unreachable recipient sends nothing).',
    }),
  }),
});

builder.mutationField('sendOffer', (t) =>
  t.field({
    type: Offer,
    description:
      'DRAFT → SENT with a new public link (or a new link for a sent offer whose link was revoked). The SMS or ' +
      'e-mail carrying it goes through the messaging outbox.',
    errors: { types: errorTypes, dataField: { name: 'offer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: SendOfferInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      sendOfferWithLink(ctx.env, ctx.viewer, Number(input.id.id), input.deliverBy ?? null),
  }),
);

builder.mutationField('revokeOfferLink', (t) =>
  t.field({
    type: Offer,
    errors: { types: errorTypes, dataField: { name: 'offer' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: OfferIdInput, required: true }) },
    resolve: (_r, { input }, ctx) => revokeOfferLink(ctx.db, ctx.viewer, Number(input.id.id)),
  }),
);

const OfferSettingsInput = builder.inputType('UpdateOfferSettingsInput', {
  fields: (t) => ({
    maxDiscountBp: t.int({ required: false, description: '0 to 10000 basis points.' }),
    brandColor: t.string({ required: false, description: '#rrggbb' }),
    accentColor: t.string({ required: false, description: '#rrggbb' }),
  }),
});

builder.mutationField('updateOfferSettings', (t) =>
  t.field({
    type: OfferSettings,
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: 'settings' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: OfferSettingsInput, required: true }) },
    resolve: (_r, { input }, ctx) => updateOfferSettings(ctx.db, ctx.viewer, input),
  }),
);
