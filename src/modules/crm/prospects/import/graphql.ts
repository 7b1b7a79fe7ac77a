// The ProspectImport API: the engine's import type, query and create/start mutations with the prospect
// import's words, and the owner whose list it fills. Small files keep their one-call importProspects
// (crm/graphql/prospects.ts), which answers with the prospects themselves.
import { builder } from '../../../../graphql/builder';
import { Distributor } from '../../../genealogy/graphql';
import { defineImportApi } from '../../../imports/graphql';
import { prospectImports } from './kind';
import { checkOwner, type ProspectImportRow } from './repository';

export const ProspectImport = defineImportApi(prospectImports, {
  description: 'A bulk import of contacts (CSV or vCard) into one distributor’s prospects (staff only).',
  statuses: {
    VALIDATING: 'Queued: checking the whole file.',
    APPLYING: 'Queued: writing the prospects chunk by chunk.',
    DONE: 'Every contact is on the owner’s prospect list.',
  },
  progressStep: 'upload, validate or apply (chunks written).',
  total: { name: 'totalContacts', description: 'Contacts in the file (once started).' },
  createDescription:
    'Staff: start a contact upload for one owner’s list. Then PUT each part (whole records; every CSV part begins with the header, whole vCards) to /imports/prospects/:id/parts/:n and call startProspectImport.',
  create: {
    fields: (f) => ({
      ownerId: f.globalID({ required: true, for: Distributor, description: 'Whose prospects they become.' }),
    }),
    columns: (input, ctx) => checkOwner(ctx.db, Number((input.ownerId as { id: string }).id)),
  },
  ownColumn: 'prospect_chunks',
});

builder.objectField(ProspectImport, 'owner', (t) =>
  t.field({
    type: Distributor,
    nullable: true,
    description: 'Whose prospects the contacts become.',
    resolve: (r, _args, ctx) => ctx.loaders.distributor.load((r as ProspectImportRow).owner_id),
  }),
);
