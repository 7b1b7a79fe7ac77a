// The genealogy import as an import kind: distributors with sponsor and placement, staged per part,
// computed whole in validate, applied in chunks.
import type { ImportJobOf } from '../../imports/kind';
import { defineImportKind } from '../../imports/service';
import { parsePart } from './parse';
import { stageRows } from './repository';
import { applyStep, cleanupStep, failImport } from './steps';
import { GENEALOGY_IMPORT } from './table';
import { validateStep } from './validate';

export type ImportJob = ImportJobOf<'genealogyImport'>;

export const genealogyImports = defineImportKind({
  ...GENEALOGY_IMPORT,
  parse: parsePart,
  stage: stageRows,
  steps: { validate: validateStep, apply: applyStep, cleanup: cleanupStep, fail: failImport },
});
