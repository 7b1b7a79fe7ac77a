import SchemaBuilder, {
  BasePlugin,
  type PothosOutputFieldConfig,
  PothosValidationError,
  type SchemaTypes,
} from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { ValidationError } from '../lib/errors';

// The relay plugin decodes every globalID argument before the resolver runs (src/lib/globalId.ts); a
// malformed id, or one of another type, is refused there. This plugin, wrapped right around that decoding,
// makes the refusal a ValidationError (BAD_USER_INPUT) whose issue names the argument, e.g. `id` or
// `lines.0.productId`, instead of always `id`. It stays a top-level error: ids are read before the field's
// auth checks, so a typed payload would answer callers the field's auth rules have not yet admitted.

/** The path of the first string in `args` that `matches`, relative to a mutation's input. */
export function pathOf(args: unknown, matches: (s: string) => boolean, at: string[] = []): string | null {
  if (typeof args === 'string') return matches(args) ? at.join('.').replace(/^input\./, '') : null;
  if (args && typeof args === 'object')
    for (const [k, v] of Object.entries(args)) {
      const p = pathOf(v, matches, [...at, k]);
      if (p != null) return p;
    }
  return null;
}

/** The same refusal with its issue naming the argument (null for any other error). */
export function idInputError(error: unknown, args: unknown): ValidationError | null {
  // decodeGlobalId: `Invalid global ID: "<first 64 characters>".`
  if (error instanceof ValidationError && error.message.startsWith('Invalid global ID: ')) {
    let prefix: string | null = null;
    try {
      prefix = JSON.parse(error.message.slice('Invalid global ID: '.length, -1)) as string;
    } catch {
      // keep the issue as it is
    }
    const path = prefix == null ? null : pathOf(args, (s) => s.slice(0, 64) === prefix);
    return new ValidationError(error.message, [
      {
        ...error.issues[0],
        path: path ?? error.issues[0]?.path ?? 'id',
        message: 'Not a global ID.',
        code: 'INVALID_ID',
      },
    ]);
  }
  // The relay plugin: `ID: <id> is not of type: <Type>`.
  const m =
    error instanceof PothosValidationError && /^ID: ([\s\S]*) is not of type: (.*)$/.exec(error.message);
  if (m) {
    const path = pathOf(args, (s) => s === m[1]) ?? 'id';
    return new ValidationError(error.message, [
      { path, message: `Expected an ID of type ${m[2]}.`, code: 'INVALID_ID', params: { expected: m[2] } },
    ]);
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
    const rethrow = (e: unknown, args: unknown): never => {
      throw idInputError(e, args) ?? e;
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
