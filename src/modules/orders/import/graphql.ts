// The OrderImport API: the engine's import type and mutations, with the order import's words.
import { defineImportApi } from '../../imports/graphql';
import { orderImports } from './kind';

export const OrderImport = defineImportApi(orderImports, {
  description: 'A bulk import of orders (staff only).',
  statuses: {
    VALIDATING: 'Queued: checking the whole file.',
    APPLYING: 'Queued: writing the orders chunk by chunk, then the volumes.',
    DONE: 'Every order was written and the live volumes include them.',
  },
  progressStep:
    'upload, validate (orders read), orders (order chunks written) or volumes (volume chunks written).',
  total: { name: 'totalOrders', description: 'Orders in the file (once started).' },
  createDescription:
    'Staff: start an order upload. Then PUT each part (whole orders; every CSV part begins with the header) to /imports/orders/:id/parts/:n and call startOrderImport.',
  oneCall: {
    noun: 'Orders',
    description: 'Staff: a small order file in one call (create, one part, start).',
  },
  ownColumn: 'order_chunks',
});
