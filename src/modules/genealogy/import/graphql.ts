// The GenealogyImport API: the engine's import type and mutations, with the genealogy import's words.
import { defineImportApi } from '../../imports/graphql';
import { genealogyImports } from './kind';

export const GenealogyImport = defineImportApi(genealogyImports, {
  description: 'A bulk import of distributors with sponsor and placement (staff only).',
  statuses: {
    VALIDATING: 'Queued: checking the whole file and computing the result.',
    APPLYING: 'Queued: writing the result chunk by chunk.',
    DONE: 'Every row was written.',
  },
  progressStep: 'upload, validate (rows read) or apply (chunks written).',
  total: { name: 'totalRows', description: 'Data rows in the file (once started).' },
  createDescription:
    'Staff: start an upload. Then PUT each part (whole lines; every CSV part begins with the header) to /imports/genealogy/:id/parts/:n and call startGenealogyImport.',
  oneCall: { noun: 'Genealogy', description: 'Staff: a small file in one call (create, one part, start).' },
  ownColumn: 'chunk_count',
});
