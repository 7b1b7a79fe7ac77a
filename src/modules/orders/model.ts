export type OrderKind = 'PERSONAL' | 'CUSTOMER';
export type OrderStatus = 'PENDING' | 'PAID' | 'REFUNDED' | 'PARTIALLY_REFUNDED' | 'CANCELLED';

export interface OrderRow {
  id: number;
  kind: OrderKind;
  distributor_id: number;
  customer_id: number | null;
  status: OrderStatus;
  currency: string;
  total: number;
  qv: number;
  cv: number;
  idempotency_key: string | null;
  created_by: string;
  created_at: string;
  paid_at: string | null;
  period: string | null;
  payment_reference: string | null;
  cancelled_at: string | null;
}

export interface OrderLineRow {
  id: number;
  order_id: number;
  product_id: number;
  sku: string;
  quantity: number;
  unit_price: number;
  unit_retail: number;
  unit_wholesale: number;
  unit_qv: number;
  unit_cv: number;
  is_starter_kit: number;
  refunded_quantity: number;
}

export interface RefundRow {
  id: number;
  order_id: number;
  amount: number;
  qv: number;
  cv: number;
  period: string;
  clawback: number;
  reason: string;
  lines: string;
  created_at: string;
}

/** Volume of a quantity of a line: starter kits carry none (SPEC §3.1, until a plan says otherwise). */
export function lineVolume(
  line: Pick<OrderLineRow, 'unit_qv' | 'unit_cv' | 'is_starter_kit'>,
  quantity: number,
) {
  if (line.is_starter_kit) return { qv: 0, cv: 0 };
  return { qv: quantity * line.unit_qv, cv: quantity * line.unit_cv };
}
