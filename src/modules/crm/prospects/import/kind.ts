// The prospect import as an import kind: checked contacts staged per part, the file checked whole in
// validate, written in chunks of prospects.
import type { ImportJobOf } from '../../../imports/kind';
import { defineImportKind } from '../../../imports/service';
import { parsePart } from './parse';
import { stageRows } from './repository';
import { applyStep, cleanupStep, failImport } from './steps';
import { PROSPECT_IMPORT } from './table';
import { validateStep } from './validate';

export type ProspectImportJob = ImportJobOf<'prospectImport'>;

export const prospectImports = defineImportKind({
  ...PROSPECT_IMPORT,
  parse: (format, text) => parsePart(format, text),
  stage: stageRows,
  steps: { validate: validateStep, apply: applyStep, cleanup: cleanupStep, fail: failImport },
});
