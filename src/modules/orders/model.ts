import type { orderLine, refund, salesOrder } from './tables';

export type OrderKind = 'PERSONAL' | 'CUSTOMER';
export type OrderStatus = 'PENDING' | 'PAID' | 'REFUNDED' | 'PARTIALLY_REFUNDED' | 'CANCELLED';

/** An order as the order API reads it (the import's external_id and import_id aside). */
export type OrderRow = Omit<typeof salesOrder.$inferSelect, 'external_id' | 'import_id'>;

export type OrderLineRow = typeof orderLine.$inferSelect;

export type RefundRow = typeof refund.$inferSelect;

/** Volume of a quantity of a line: starter kits carry none (SPEC §3.1, until a plan says otherwise). */
export function lineVolume(
  line: Pick<OrderLineRow, 'unit_qv' | 'unit_cv' | 'is_starter_kit'>,
  quantity: number,
) {
  if (line.is_starter_kit) return { qv: 0, cv: 0 };
  return { qv: quantity * line.unit_qv, cv: quantity * line.unit_cv };
}
