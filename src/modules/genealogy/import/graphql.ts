import { builder } from '../../../graphql/builder';
import { ConflictError, NotFoundError, ValidationError } from '../../../graphql/errors';
import { LineIssue } from '../../../graphql/errorTypes';
import { checkPageSize } from '../../../graphql/pages';
import { IMPORT_FORMATS } from './parse';
import {
  createImport,
  type IMPORT_STATUSES,
  type ImportRow,
  importById,
  importIssues,
  importsByIds,
} from './repository';
import { importInOneCall, MAX_PART_BYTES, startImport } from './service';

const FormatEnum = builder.enumType('GenealogyImportFormat', { values: IMPORT_FORMATS });
const StatusEnum = builder.enumType('GenealogyImportStatus', {
  values: {
    UPLOADING: {
      description: 'Waiting for parts (PUT /imports/genealogy/:id/parts/:n) and startGenealogyImport.',
    },
    VALIDATING: { description: 'Queued: checking the whole file and computing the result.' },
    APPLYING: { description: 'Queued: writing the result chunk by chunk.' },
    DONE: { description: 'Every row was written.' },
    REJECTED: { description: 'The file has problems (see issues); nothing was written.' },
    FAILED: { description: 'Applying failed; whatever was written has been removed.' },
  } satisfies Record<(typeof IMPORT_STATUSES)[number], unknown>,
});

const Progress = builder
  .objectRef<{ step: string; done: number; total: number }>('GenealogyImportProgress')
  .implement({
    fields: (t) => ({
      step: t.exposeString('step', {
        description: 'upload, validate (rows read) or apply (chunks written).',
      }),
      done: t.exposeInt('done'),
      total: t.exposeInt('total'),
    }),
  });

export const GenealogyImport = builder.objectRef<ImportRow>('GenealogyImport');

builder.node(GenealogyImport, {
  description: 'A bulk import of distributors with sponsor and placement (staff only).',
  id: { resolve: (r) => r.id },
  loadMany: async (ids, ctx) => {
    if (ctx.viewer.kind !== 'ADMIN') return ids.map(() => null);
    const rows = await importsByIds(ctx.db, ids.map(Number));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(Number(id)) ?? null);
  },
  isTypeOf: (o) => typeof o === 'object' && o !== null && 'chunk_count' in o,
  fields: (t) => ({
    status: t.field({ type: StatusEnum, resolve: (r) => r.status }),
    format: t.field({ type: FormatEnum, resolve: (r) => r.format }),
    totalRows: t.exposeInt('total_rows', {
      nullable: true,
      description: 'Data rows in the file (once started).',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.created_at }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finished_at }),
    error: t.exposeString('error', { nullable: true, description: 'Why applying FAILED.' }),
    issueCount: t.exposeInt('issue_count', {
      description: 'All problems found (issues lists the first ones).',
    }),
    progress: t.field({
      type: Progress,
      resolve: (r) => ({ step: r.step ?? 'upload', done: r.done, total: r.total }),
    }),
    issues: t.field({
      type: [LineIssue],
      description:
        'Why the file was REJECTED: line-numbered (1-based, whole file; CSV header = line 1), by line.',
      args: { first: t.arg.int({ required: false, defaultValue: 100, description: '1 to 1000.' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 100, 1000) / 10 }),
      resolve: (r, args, ctx) => {
        checkPageSize('first', args.first, 1000);
        return importIssues(ctx.db, r.id, args.first ?? 100);
      },
    }),
  }),
});

builder.queryField('genealogyImport', (t) =>
  t.field({
    type: GenealogyImport,
    nullable: true,
    authScopes: { admin: true },
    args: { id: t.arg.globalID({ required: true, for: GenealogyImport }) },
    resolve: (_r, args, ctx) => importById(ctx.db, Number(args.id.id)),
  }),
);

const viewerStaffId = (v: { kind: string; staffId?: number }) =>
  v.kind === 'ADMIN' ? (v.staffId ?? null) : null;

builder.mutationField('createGenealogyImport', (t) =>
  t.field({
    type: GenealogyImport,
    description:
      'Staff: start an upload. Then PUT each part (whole lines; every CSV part begins with the header) to /imports/genealogy/:id/parts/:n and call startGenealogyImport.',
    authScopes: { admin: true },
    errors: { types: [ValidationError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('CreateGenealogyImportInput', {
          fields: (f) => ({ format: f.field({ type: FormatEnum, required: true }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => createImport(ctx.db, input.format, viewerStaffId(ctx.viewer as never)),
  }),
);

builder.mutationField('startGenealogyImport', (t) =>
  t.field({
    type: GenealogyImport,
    description:
      'Staff: every part is uploaded; validate and apply the file in queued steps (watch progress).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('StartGenealogyImportInput', {
          fields: (f) => ({ id: f.globalID({ required: true, for: GenealogyImport }) }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => startImport(ctx.env, Number(input.id.id)),
  }),
);

builder.mutationField('importGenealogy', (t) =>
  t.field({
    type: GenealogyImport,
    description: 'Staff: a small file in one call (create, one part, start).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, ConflictError], dataField: { name: 'import' } },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType('ImportGenealogyInput', {
          fields: (f) => ({
            format: f.field({ type: FormatEnum, required: true }),
            content: f.string({ required: true }),
          }),
        }),
      }),
    },
    resolve: (_r, { input }, ctx) => {
      if (new TextEncoder().encode(input.content).length > MAX_PART_BYTES)
        throw new ValidationError('Content too large: upload it in parts.', [
          {
            path: 'content',
            message: `At most ${MAX_PART_BYTES} bytes.`,
            code: 'TOO_LARGE',
            params: { max: MAX_PART_BYTES },
          },
        ]);
      return importInOneCall(ctx.env, input.format, input.content, viewerStaffId(ctx.viewer as never));
    },
  }),
);
