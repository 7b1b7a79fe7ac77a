import { builder } from '../../../graphql/builder';
import { resolvePage } from '../../../graphql/pages';
import { ForbiddenError, ImportRejectedError, NotFoundError, ValidationError } from '../../../lib/errors';
import { encodeGlobalId } from '../../../lib/globalId';
import { encodeCursor } from '../../../lib/keyset';
import { Distributor } from '../../genealogy/graphql';
import { ownerScope } from '../ownerScope';
import { importProspects, MAX_IMPORT_BYTES } from '../prospects/import/oneCall';
import type { ProspectRow } from '../prospects/model';
import {
  createProspect,
  deleteProspect,
  prospectsPage,
  requireProspect,
  updateProspect,
} from '../prospects/repository';
import { Prospect, ProspectStatusEnum } from './prospectType';

builder.queryField('prospects', (t) =>
  t.connection({
    type: Prospect,
    authScopes: { admin: true, distributor: true },
    description: 'A distributor’s own prospects (staff: one owner’s, or everyone’s), newest first.',
    args: {
      ownerId: t.arg.globalID({ required: false, for: Distributor }),
      status: t.arg({ type: ProspectStatusEnum, required: false }),
    },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? args.last ?? 20, 100) }),
    resolve: (_r, args, ctx) => {
      const owner = ownerScope(ctx.viewer, args.ownerId ? Number(args.ownerId.id) : null);
      return resolvePage<Promise<ProspectRow[]>>(
        { args, toCursor: (p: ProspectRow) => encodeCursor([p.id]), defaultSize: 20, maxSize: 100 },
        (page) => prospectsPage(ctx.db, { owner, status: args.status }, page),
      );
    },
  }),
);

const ProspectFields = {
  lastName: 'Optional.',
};

const CreateProspectInput = builder.inputType('CreateProspectInput', {
  fields: (t) => ({
    ownerId: t.globalID({
      required: false,
      for: Distributor,
      description: 'Staff only; a distributor owns what they add.',
    }),
    firstName: t.string({ required: true }),
    lastName: t.string({ required: false, description: ProspectFields.lastName }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    notes: t.string({ required: false }),
    status: t.field({ type: ProspectStatusEnum, required: false, description: 'Default NEW.' }),
    nextStep: t.string({ required: false, description: 'What to do next, e.g. "invite to the webinar".' }),
    nextStepDate: t.string({ required: false, description: 'YYYY-MM-DD.' }),
  }),
});

/** A distributor writes their own list; staff say whose list. */
function ownerForWrite(
  ctx: { viewer: import('../../auth/viewer').Viewer },
  ownerId: { id: string } | null | undefined,
): number {
  const v = ctx.viewer;
  if (v.kind === 'DISTRIBUTOR') {
    if (ownerId && Number(ownerId.id) !== v.distributorId)
      throw new ForbiddenError('You add prospects to your own list.');
    return v.distributorId;
  }
  if (v.kind !== 'ADMIN') throw new ForbiddenError();
  if (!ownerId)
    throw new ValidationError('Say whose prospect it is.', [
      { path: 'ownerId', message: 'Required.', code: 'REQUIRED' },
    ]);
  return Number(ownerId.id);
}

builder.mutationField('createProspect', (t) =>
  t.field({
    type: Prospect,
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: 'prospect' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: CreateProspectInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const { ownerId, ...rest } = input;
      return createProspect(ctx.db, ownerForWrite(ctx, ownerId), rest);
    },
  }),
);

const UpdateProspectInput = builder.inputType('UpdateProspectInput', {
  description: 'Absent fields keep their value; null clears an optional field.',
  fields: (t) => ({
    id: t.globalID({ required: true, for: Prospect }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    email: t.string({ required: false }),
    phone: t.string({ required: false }),
    notes: t.string({ required: false }),
    status: t.field({ type: ProspectStatusEnum, required: false }),
    nextStep: t.string({ required: false }),
    nextStepDate: t.string({ required: false, description: 'YYYY-MM-DD.' }),
  }),
});

builder.mutationField('updateProspect', (t) =>
  t.field({
    type: Prospect,
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'prospect' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: UpdateProspectInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const { id, ...patch } = input;
      const current = await requireProspect(ctx.db, ctx.viewer, Number(id.id));
      return updateProspect(ctx.db, current, patch);
    },
  }),
);

const DeleteProspectInput = builder.inputType('DeleteProspectInput', {
  fields: (t) => ({ id: t.globalID({ required: true, for: Prospect }) }),
});

builder.mutationField('deleteProspect', (t) =>
  t.field({
    type: 'ID',
    description: 'Removes a prospect with their contact history and tasks. Returns the removed id.',
    errors: { types: [ValidationError, NotFoundError], dataField: { name: 'deletedId' } },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: DeleteProspectInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const current = await requireProspect(ctx.db, ctx.viewer, Number(input.id.id));
      await deleteProspect(ctx.db, current);
      return encodeGlobalId('Prospect', current.id);
    },
  }),
);

const ContactFormatEnum = builder.enumType('ContactFileFormat', {
  values: {
    CSV: {
      description:
        'CSV (comma, semicolon or tab) with a header row: first name / last name or name, email, phone, notes, status, next step, next step date.',
    },
    VCARD: { description: 'vCard 3.0 or 4.0 (.vcf): FN, N, EMAIL, TEL, NOTE.' },
  },
});

const ImportProspectsInput = builder.inputType('ImportProspectsInput', {
  fields: (t) => ({
    ownerId: t.globalID({ required: false, for: Distributor, description: 'Staff only.' }),
    format: t.field({ type: ContactFormatEnum, required: true }),
    content: t.string({
      required: true,
      description: `The file's text (UTF-8), at most ${MAX_IMPORT_BYTES} bytes.`,
    }),
  }),
});

const ImportProspectsResult = builder
  .objectRef<{ prospects: ProspectRow[] }>('ImportProspectsResult')
  .implement({
    fields: (t) => ({
      count: t.int({ resolve: (r) => r.prospects.length }),
      prospects: t.field({ type: [Prospect], resolve: (r) => r.prospects }),
    }),
  });

builder.mutationField('importProspects', (t) =>
  t.field({
    type: ImportProspectsResult,
    description: 'All or nothing: any problem rejects the whole file, with every problem listed by line.',
    errors: {
      types: [ImportRejectedError, ValidationError, NotFoundError, ForbiddenError],
      dataField: { name: 'result' },
    },
    authScopes: { admin: true, distributor: true },
    args: { input: t.arg({ type: ImportProspectsInput, required: true }) },
    resolve: async (_r, { input }, ctx) => ({
      prospects: await importProspects(
        ctx.db,
        ownerForWrite(ctx, input.ownerId),
        input.format,
        input.content,
      ),
    }),
  }),
);
