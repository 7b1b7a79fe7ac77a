// The genealogy import's names in the import engine (tables genealogy_import, genealogy_import_part, ...).
import type { ImportTable } from '../../imports/kind';
export const GENEALOGY_IMPORT: ImportTable = {
  path: 'genealogy',
  table: 'genealogy_import',
  typename: 'GenealogyImport',
  jobPrefix: 'genealogyImport',
  runningLabel: 'Import',
  rowsKey: 'rows',
};
