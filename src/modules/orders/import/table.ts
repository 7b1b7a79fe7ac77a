// The order import's names in the import engine (tables order_import, order_import_part, ...).
import type { ImportTable } from '../../imports/kind';

export const ORDER_IMPORT: ImportTable = {
  path: 'orders',
  table: 'order_import',
  typename: 'OrderImport',
  jobPrefix: 'orderImport',
  runningLabel: 'Order import',
  rowsKey: 'orders',
};
