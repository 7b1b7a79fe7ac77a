import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  type OperationDefinitionNode,
  typeFromAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ListLiteralLimits, MAX_LIST_ITEMS, SelectionLimits, tooLong } from './limits';

// The query limits of limits.ts as a yoga plugin: the document rules at validation, and the same list
// bound on variable values (which yoga's validation cache does not see) before execution.

function operationOf(document: DocumentNode, name?: string | null): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return name ? ops.find((o) => o.name?.value === name) : ops.length === 1 ? ops[0] : undefined;
}

/** The first list in `value` (typed `type`) longer than MAX_LIST_ITEMS, as an error naming its path. */
function longList(type: GraphQLInputType, value: unknown, path: string): GraphQLError | null {
  if (value == null) return null;
  const t = getNullableType(type);
  if (isListType(t)) {
    if (!Array.isArray(value)) return longList(t.ofType, value, path);
    if (value.length > MAX_LIST_ITEMS) return tooLong(path, value.length);
    for (const [i, item] of value.entries()) {
      const e = longList(t.ofType, item, `${path}.${i}`);
      if (e) return e;
    }
  } else if (isInputObjectType(t) && typeof value === 'object') {
    for (const field of Object.values(t.getFields())) {
      const e = longList(field.type, (value as Record<string, unknown>)[field.name], `${path}.${field.name}`);
      if (e) return e;
    }
  }
  return null;
}

function longVariable(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  values: Record<string, unknown>,
): GraphQLError | null {
  for (const def of op.variableDefinitions ?? []) {
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    const e = type ? longList(type, values[def.variable.name.value], `$${def.variable.name.value}`) : null;
    if (e) return e;
  }
  return null;
}

export function useQueryLimits(): Plugin {
  return {
    onValidate: ({ addValidationRule }) => {
      addValidationRule(SelectionLimits);
      addValidationRule(ListLiteralLimits);
    },
    onExecute: ({ args, setResultAndStopExecution }) => {
      const op = operationOf(args.document, args.operationName);
      const error = op && args.variableValues ? longVariable(args.schema, op, args.variableValues) : null;
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
