import type { product, productPrice } from './tables';

export type ProductRow = typeof product.$inferSelect;

export type PriceRow = typeof productPrice.$inferSelect;

export type ProductNames = { da: string; pl: string; de: string; en: string };
