import type { z } from 'zod';
import { ValidationError } from '../graphql/errors';

/** Parses with a zod schema; failures become one ValidationError listing every field issue. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    `Invalid ${what}.`,
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}
