// The GraphQL surface every import kind shares: the <Type> node with status, progress and line-numbered
// issues; <type>(id); create<Type>, start<Type> and the one-call import<Noun>. Names and descriptions come
// from the kind, so each kind's printed schema stays its own.
import type { InputFieldMap } from '@pothos/core';
import { builder } from '../../graphql/builder';
import type { GraphQLContext } from '../../graphql/context';
import { LineIssue } from '../../graphql/errorTypes';
import { checkPageSize } from '../../graphql/pages';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { formatsOf, type IMPORT_STATUSES, type ImportKind, type ImportRecord } from './kind';
import { MAX_PART_BYTES } from './limits';
import { createImport, importById, importIssues, importsByIds } from './records';
import { importInOneCall, startImport } from './service';

/** What differs between kinds' APIs beyond their type name. */
export interface ImportApiTexts {
  /**
   * The one-call mutation import<noun> (input Import<noun>Input) for small files; absent when the kind's
   * module answers small files itself.
   */
  oneCall?: { noun: string; description: string };
  description: string;
  /** What VALIDATING, APPLYING and DONE mean for this kind. */
  statuses: { VALIDATING: string; APPLYING: string; DONE: string };
  progressStep: string;
  /** The field exposing total_rows, named for what the kind imports. */
  total: { name: string; description: string };
  createDescription: string;
  /** Input fields create<Type> takes beside the format, and the kind's own record columns they give. */
  create?: ImportCreateFields;
  /** A column only this kind's record has: tells the node interface which type an object is. */
  ownColumn: string;
}

type FieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

export interface ImportCreateFields {
  fields: (f: FieldBuilder) => InputFieldMap;
  /** The record's own columns from the input; checks it (throwing the create mutation's typed errors). */
  columns: (input: Record<string, unknown>, ctx: GraphQLContext) => Promise<Record<string, string | number>>;
}

const staffIdOf = (v: { kind: string; staffId?: number }) =>
  v.kind === 'ADMIN' ? (v.staffId ?? null) : null;
const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);

/** Registers the kind's import type, its query and its mutations; returns the type. */
export function defineImportApi(kind: ImportKind, texts: ImportApiTexts) {
  const FormatEnum = formatEnum(`${kind.typename}Format`, formatsOf(kind));
  const Import = importNode(kind, texts, FormatEnum);
  importQuery(kind, Import);
  importMutations(kind, texts, Import, FormatEnum);
  return Import;
}

// The refs one kind's pieces pass along (Pothos' own types, named once here).
const formatEnum = (name: string, formats: readonly string[]) => builder.enumType(name, { values: formats });
type FormatRef = ReturnType<typeof formatEnum>;
type ImportRef = ReturnType<typeof builder.objectRef<ImportRecord>>;

/** The import node: status, progress and the line-numbered issues. */
function importNode(kind: ImportKind, texts: ImportApiTexts, FormatEnum: FormatRef): ImportRef {
  const type = kind.typename;
  const StatusEnum = builder.enumType(`${type}Status`, {
    values: {
      UPLOADING: {
        description: `Waiting for parts (PUT /imports/${kind.path}/:id/parts/:n) and start${type}.`,
      },
      VALIDATING: { description: texts.statuses.VALIDATING },
      APPLYING: { description: texts.statuses.APPLYING },
      DONE: { description: texts.statuses.DONE },
      REJECTED: { description: 'The file has problems (see issues); nothing was written.' },
      FAILED: { description: 'Applying failed; whatever was written has been removed.' },
    } satisfies Record<(typeof IMPORT_STATUSES)[number], unknown>,
  });

  const Progress = builder
    .objectRef<{ step: string; done: number; total: number }>(`${type}Progress`)
    .implement({
      fields: (t) => ({
        step: t.exposeString('step', { description: texts.progressStep }),
        done: t.exposeInt('done'),
        total: t.exposeInt('total'),
      }),
    });

  const Import = builder.objectRef<ImportRecord>(type);

  builder.node(Import, {
    description: texts.description,
    id: { resolve: (r) => r.id },
    loadMany: async (ids, ctx) => {
      if (ctx.viewer.kind !== 'ADMIN') return ids.map(() => null);
      const rows = await importsByIds(ctx.db, kind, ids.map(Number));
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(Number(id)) ?? null);
    },
    isTypeOf: (o) => typeof o === 'object' && o !== null && texts.ownColumn in o,
    fields: (t) => ({
      status: t.field({ type: StatusEnum, resolve: (r) => r.status }),
      format: t.field({ type: FormatEnum, resolve: (r) => r.format }),
      [texts.total.name]: t.exposeInt('total_rows', { nullable: true, description: texts.total.description }),
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
          return importIssues(ctx.db, kind, r.id, args.first ?? 100);
        },
      }),
    }),
  });

  return Import;
}

function importQuery(kind: ImportKind, Import: ImportRef) {
  builder.queryField(lowerFirst(kind.typename), (t) =>
    t.field({
      type: Import,
      nullable: true,
      authScopes: { admin: true },
      args: { id: t.arg.globalID({ required: true, for: Import }) },
      resolve: (_r, args, ctx) => importById(ctx.db, kind, Number(args.id.id)),
    }),
  );
}

/** create<Type> (then PUT parts), start<Type>, and the one-call import<Noun> for small files. */
function importMutations(kind: ImportKind, texts: ImportApiTexts, Import: ImportRef, FormatEnum: FormatRef) {
  const type = kind.typename;
  const create = texts.create;
  builder.mutationField(`create${type}`, (t) =>
    t.field({
      type: Import,
      description: texts.createDescription,
      authScopes: { admin: true },
      errors: { types: [ValidationError], dataField: { name: 'import' } },
      args: {
        input: t.arg({
          required: true,
          type: builder.inputType(`Create${type}Input`, {
            fields: (f) => ({
              format: f.field({ type: FormatEnum, required: true }),
              ...create?.fields(f),
            }),
          }),
        }),
      },
      resolve: async (_r, { input }, ctx) =>
        createImport(
          ctx.db,
          kind,
          input.format,
          staffIdOf(ctx.viewer as never),
          await create?.columns(input, ctx),
        ),
    }),
  );

  builder.mutationField(`start${type}`, (t) =>
    t.field({
      type: Import,
      description:
        'Staff: every part is uploaded; validate and apply the file in queued steps (watch progress).',
      authScopes: { admin: true },
      errors: { types: [ValidationError, NotFoundError, ConflictError], dataField: { name: 'import' } },
      args: {
        input: t.arg({
          required: true,
          type: builder.inputType(`Start${type}Input`, {
            fields: (f) => ({ id: f.globalID({ required: true, for: Import }) }),
          }),
        }),
      },
      resolve: (_r, { input }, ctx) => startImport(ctx.env, kind, Number(input.id.id)),
    }),
  );

  if (texts.oneCall) oneCallMutation(kind, texts.oneCall, Import, FormatEnum);
}

function oneCallMutation(
  kind: ImportKind,
  texts: NonNullable<ImportApiTexts['oneCall']>,
  Import: ImportRef,
  FormatEnum: FormatRef,
) {
  builder.mutationField(`import${texts.noun}`, (t) =>
    t.field({
      type: Import,
      description: texts.description,
      authScopes: { admin: true },
      errors: { types: [ValidationError, ConflictError], dataField: { name: 'import' } },
      args: {
        input: t.arg({
          required: true,
          type: builder.inputType(`Import${texts.noun}Input`, {
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
        return importInOneCall(ctx.env, kind, input.format, input.content, staffIdOf(ctx.viewer as never));
      },
    }),
  );
}
