import { prospectImports } from '../modules/crm/prospects/import/kind';
import { genealogyImports } from '../modules/genealogy/import/kind';
import { importUploadRoute } from '../modules/imports/uploadRoute';
import { orderImports } from '../modules/orders/import/kind';
import { staffOnly } from './staffOnly';

/** PUT /imports/:kind/:id/parts/:n of every import kind (genealogy, orders, prospects). Staff only. */
export const imports = importUploadRoute([genealogyImports, orderImports, prospectImports], staffOnly);
