import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema';

/** The SDL committed at schema/schema.graphql. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
