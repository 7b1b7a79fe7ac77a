import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors';
import { codeOfZodIssue } from './issueCodes';

/** Parses with a zod schema; failures become one ValidationError listing every field issue. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(`Invalid ${what}.`, result.error.issues.map(issueOfZod));
}

/** One zod issue as a FieldIssue with its machine code. */
export function issueOfZod(issue: z.core.$ZodIssue): FieldIssue {
  return { path: issue.path.join('.'), message: issue.message, ...codeOfZodIssue(issue) };
}
