// The order import as an import kind: orders staged per part, checked whole in validate, applied as
// order chunks and then volume chunks.
import type { ImportJobOf } from '../../imports/kind';
import { defineImportKind } from '../../imports/service';
import { parsePart } from './parse';
import { stageRows } from './repository';
import { applyStep, cleanupStep, failImport } from './steps';
import { ORDER_IMPORT } from './table';
import { validateStep } from './validate';

export type OrderImportJob = ImportJobOf<'orderImport'>;

export const orderImports = defineImportKind({
  ...ORDER_IMPORT,
  parse: parsePart,
  stage: stageRows,
  steps: { validate: validateStep, apply: applyStep, cleanup: cleanupStep, fail: failImport },
});
