import { expect, it } from 'vitest';
import committed from '../../schema/schema.graphql?raw';
import { printedSchema } from '../../src/graphql/printSchema';

it('schema/schema.graphql matches the code (run `npm run schema:print` after changing the API)', () => {
  expect(committed).toBe(printedSchema());
});
