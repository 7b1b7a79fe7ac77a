// The prospect import's names in the import engine (tables prospect_import, prospect_import_part, ...).
import type { ImportTable } from '../../../imports/kind';
import { CONTACT_FORMATS } from './parse';

export const PROSPECT_IMPORT = {
  path: 'prospects',
  table: 'prospect_import',
  typename: 'ProspectImport',
  jobPrefix: 'prospectImport',
  runningLabel: 'Prospect import',
  rowsKey: 'prospects',
  formats: CONTACT_FORMATS,
} satisfies ImportTable;
