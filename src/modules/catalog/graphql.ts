import { builder } from '../../graphql/builder';
import { resolvePage } from '../../graphql/pages';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { encodeCursor } from '../../lib/keyset';
import { LocaleEnum } from '../genealogy/graphql';
import type { PriceRow, ProductNames } from './model';
import {
  createProduct,
  type ProductWithPrices,
  pricesOf,
  productsByIds,
  productsPage,
  updateProduct,
  withPrices,
} from './repository';

const Price = builder.objectRef<PriceRow>('Price').implement({
  description: 'Prices in minor units of the currency.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    retail: t.expose('retail', { type: 'SafeInt' }),
    wholesale: t.expose('wholesale', { type: 'SafeInt' }),
  }),
});

const ProductNamesType = builder.objectRef<ProductNames>('ProductNames').implement({
  fields: (t) => ({
    da: t.exposeString('da'),
    pl: t.exposeString('pl'),
    de: t.exposeString('de'),
    en: t.exposeString('en'),
  }),
});

export const Product = builder.objectRef<ProductWithPrices>('Product');
builder.node(Product, {
  id: { resolve: (p) => p.id },
  loadMany: async (ids, ctx) => {
    const rows = await withPrices(ctx.db, await productsByIds(ctx.db, ids.map(Number)));
    return ids.map((id) => rows.find((r) => r.id === Number(id)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'sku' in o && 'is_starter_kit' in o,
  fields: (t) => ({
    sku: t.exposeString('sku'),
    name: t.string({
      args: { locale: t.arg({ type: LocaleEnum, required: false }) },
      resolve: (p, args) => (JSON.parse(p.names) as ProductNames)[args.locale ?? 'en'],
    }),
    names: t.field({ type: ProductNamesType, resolve: (p) => JSON.parse(p.names) }),
    qv: t.expose('qv', { type: 'SafeInt', description: 'Qualifying volume per unit (points).' }),
    cv: t.expose('cv', {
      type: 'SafeInt',
      description: 'Commissionable volume per unit, minor units of the payout currency.',
    }),
    isStarterKit: t.boolean({ resolve: (p) => p.is_starter_kit === 1 }),
    active: t.boolean({ resolve: (p) => p.active === 1 }),
    prices: t.field({
      type: [Price],
      resolve: async (p, _a, ctx) => p.prices ?? (await pricesOf(ctx.db, [p.id])),
    }),
  }),
});

builder.queryField('products', (t) =>
  t.connection({
    type: Product,
    description: 'The catalogue, by SKU. Everyone may read it.',
    args: {
      includeInactive: t.arg.boolean({ defaultValue: false, required: true }),
      search: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) =>
      resolvePage<Promise<ProductWithPrices[]>>(
        { args, toCursor: (p: ProductWithPrices) => encodeCursor([p.sku]), defaultSize: 20, maxSize: 100 },
        (page) => productsPage(ctx.db, { includeInactive: args.includeInactive, search: args.search }, page),
      ),
  }),
);

const NamesInput = builder.inputType('ProductNamesInput', {
  fields: (t) => ({
    da: t.string({ required: true }),
    pl: t.string({ required: true }),
    de: t.string({ required: true }),
    en: t.string({ required: true }),
  }),
});
const PriceInput = builder.inputType('PriceInput', {
  fields: (t) => ({
    currency: t.string({ required: true }),
    retail: t.field({ type: 'SafeInt', required: true, description: 'Minor units, 0 to 100,000,000.' }),
    wholesale: t.field({ type: 'SafeInt', required: true, description: 'Minor units, 0 to 100,000,000.' }),
  }),
});

const CreateProductInput = builder.inputType('CreateProductInput', {
  fields: (t) => ({
    sku: t.string({ required: true }),
    names: t.field({ type: NamesInput, required: true }),
    qv: t.field({ type: 'SafeInt', required: true, description: 'Per unit, 0 to 1,000,000.' }),
    cv: t.field({ type: 'SafeInt', required: true, description: 'Per unit, minor units, 0 to 100,000,000.' }),
    isStarterKit: t.boolean({ required: false }),
    prices: t.field({ type: [PriceInput], required: true }),
  }),
});

builder.mutationField('createProduct', (t) =>
  t.field({
    type: Product,
    errors: { types: [ValidationError], dataField: { name: 'product' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateProductInput, required: true }) },
    resolve: (_r, { input }, ctx) => createProduct(ctx.db, input),
  }),
);

const UpdateProductInput = builder.inputType('UpdateProductInput', {
  fields: (t) => ({
    id: t.globalID({ required: true, for: Product }),
    names: t.field({ type: NamesInput, required: false }),
    qv: t.field({ type: 'SafeInt', required: false, description: 'Per unit, 0 to 1,000,000.' }),
    cv: t.field({
      type: 'SafeInt',
      required: false,
      description: 'Per unit, minor units, 0 to 100,000,000.',
    }),
    active: t.boolean({ required: false }),
    prices: t.field({ type: [PriceInput], required: false, description: 'Replaces all prices.' }),
  }),
});

builder.mutationField('updateProduct', (t) =>
  t.field({
    type: Product,
    description:
      'Changes apply to new orders only: order lines keep the prices and volumes they were created with.',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'product' } },
    authScopes: { admin: true },
    args: { input: t.arg({ type: UpdateProductInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { id, ...patch } = input;
      return updateProduct(ctx.db, Number(id.id), patch);
    },
  }),
);
