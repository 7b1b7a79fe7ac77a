export interface ProductRow {
  id: number;
  sku: string;
  names: string; // JSON
  qv: number;
  cv: number;
  is_starter_kit: number;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface PriceRow {
  product_id: number;
  currency: string;
  retail: number;
  wholesale: number;
}

export type ProductNames = { da: string; pl: string; de: string; en: string };
