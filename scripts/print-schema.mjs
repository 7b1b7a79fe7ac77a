// Writes schema/schema.graphql from the code (test/graphql/schema.test.ts fails when the two drift apart).
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = await build({
  entryPoints: ['src/graphql/printSchema.ts'],
  bundle: true,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  format: 'esm',
  write: false,
  logLevel: 'error',
  // The offer PDFs' fonts (wrangler's Data rule): the schema printer never reads them.
  loader: { '.ttf': 'binary' },
});
const url = `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`;
const { printedSchema } = await import(url);
writeFileSync('schema/schema.graphql', printedSchema());
console.log('wrote schema/schema.graphql');
