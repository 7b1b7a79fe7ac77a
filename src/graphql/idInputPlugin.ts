import SchemaBuilder, {
  BasePlugin,
  type PothosOutputFieldConfig,
  PothosValidationError,
  type SchemaTypes,
} from '@pothos/core';
import { wrapOrThrow } from '@pothos/plugin-errors';
import type { GraphQLFieldResolver } from 'graphql';
import { ValidationError } from './errors';

// The relay plugin decodes every globalID argument before the resolver runs; a malformed id used to reach
// the caller as a bare "Invalid global ID: …" without extensions.code. This plugin, wrapped right around
// that decoding, turns it into a ValidationError (BAD_USER_INPUT) that names the argument, e.g. input.id:
// in the payload where the field lists ValidationError, else as a GraphQL error. Only the decoding failure
// is handled here, so auth errors keep their usual shape (unlike the errors plugin's unsafelyHandleInputErrors).

const DECODE_FAILURE = [/^Invalid global ID: ([\s\S]*)$/, /^ID: ([\s\S]*) is not of type: (.*)$/];

/** The path (e.g. "input.lines.0.productId") of the first place `value` occurs in `args`. */
export function pathOf(args: unknown, value: string, at: string[] = []): string | null {
  if (args === value) return at.join('.');
  if (args && typeof args === 'object')
    for (const [k, v] of Object.entries(args)) {
      const p = pathOf(v, value, [...at, k]);
      if (p != null) return p;
    }
  return null;
}

/** A ValidationError for a relay decoding failure (null for any other error). */
export function idInputError(error: unknown, args: unknown): ValidationError | null {
  if (!(error instanceof PothosValidationError)) return null;
  for (const pattern of DECODE_FAILURE) {
    const m = pattern.exec(error.message);
    if (!m) continue;
    const full = pathOf(args, m[1]) ?? 'id';
    // Issue paths are relative to a mutation's input, as parseInput's are.
    const path = full.replace(/^input\./, '');
    const expected = m[2] ? `an id of type ${m[2]}` : 'an id returned by this API';
    return new ValidationError(`Invalid id in ${full}.`, [{ path, message: `Expected ${expected}.` }]);
  }
  return null;
}

export class IdInputPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapArgMappers(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> | undefined {
    // Only fields whose arguments are mapped (decoded) can fail this way; the others stay as they are.
    if (!resolver || !fieldConfig.argMappers.length) return resolver;
    // In the payload where the field lists ValidationError (as the errors plugin itself would put it).
    const errorTypes = (fieldConfig.extensions?.pothosErrors ?? []) as (new (...a: never[]) => Error)[];
    const typed = errorTypes.includes(ValidationError);
    const rethrow = (e: unknown, args: unknown): unknown => {
      const invalid = idInputError(e, args);
      if (!invalid) throw e;
      if (typed) return wrapOrThrow(invalid, errorTypes);
      throw invalid;
    };
    return (parent, args, context, info) => {
      try {
        const result = resolver(parent, args, context, info);
        return result instanceof Promise ? result.catch((e) => rethrow(e, args)) : result;
      } catch (e) {
        return rethrow(e, args);
      }
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      idInput: IdInputPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('idInput', IdInputPlugin);
