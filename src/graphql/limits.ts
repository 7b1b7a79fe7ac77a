import {
  type FragmentDefinitionNode,
  GraphQLError,
  getNullableType,
  isListType,
  Kind,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { QUERY_LIMITS } from './builder';

// Limits the Pothos complexity plugin cannot see: it checks a query when its first root field resolves, so
// a query of only `__typename` or introspection fields was never checked. These validation rules look at
// the document itself (so yoga's validation cache keeps their verdict per document):
// - breadth counts every field selection, aliases and `__typename` included, fragments expanded;
// - introspection: one `__schema`/`__type` per operation, a bounded number of selections, and no
//   `fields { type { fields … } }` chains whose answer would multiply with every level;
// - a list literal has at most MAX_LIST_ITEMS items (variables: see listVariables.ts).

export const MAX_LIST_ITEMS = 100;
export const INTROSPECTION_LIMITS = { roots: 1, selections: 500 } as const;
/** Selections visited per operation (fragment spreads included) before giving up as too broad. */
const MAX_VISITS = 10 * (QUERY_LIMITS.breadth + INTROSPECTION_LIMITS.selections);
/** The __Type fields that list other types: nesting one in another multiplies the answer. */
const TYPE_LISTS = new Set(['fields', 'inputFields', 'interfaces', 'possibleTypes', 'enumValues']);

function limitError(message: string, limit: string, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit, max } });
}

interface Tally {
  fields: number;
  introspection: number;
  roots: number;
  visits: number;
  nested: string | null;
}

interface Place {
  root: boolean;
  introspection: boolean;
  inTypeList: string | null;
}

function walk(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  place: Place,
  tally: Tally,
  active: Set<string>,
): void {
  for (const sel of set.selections) {
    if (++tally.visits > MAX_VISITS) return;
    if (sel.kind === Kind.FIELD) {
      const name = sel.name.value;
      const next: Place = { ...place, root: false };
      if (place.root && (name === '__schema' || name === '__type')) {
        tally.roots++;
        next.introspection = true;
      }
      if (next.introspection) {
        tally.introspection++;
        if (TYPE_LISTS.has(name)) {
          if (place.inTypeList) tally.nested ??= `${name} inside ${place.inTypeList}`;
          next.inTypeList = name;
        }
      } else {
        tally.fields++;
      }
      if (sel.selectionSet) walk(sel.selectionSet, fragments, next, tally, active);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      walk(sel.selectionSet, fragments, place, tally, active);
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      // Unknown and cyclic fragments are reported by the standard rules.
      if (!fragment || active.has(name)) continue;
      active.add(name);
      walk(fragment.selectionSet, fragments, place, tally, active);
      active.delete(name);
    }
  }
}

/** Breadth (aliases and __typename included) and introspection limits, per operation. */
export const SelectionLimits: ValidationRule = (context) => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return {
    OperationDefinition(op) {
      const tally: Tally = { fields: 0, introspection: 0, roots: 0, visits: 0, nested: null };
      walk(
        op.selectionSet,
        fragments,
        { root: true, introspection: false, inTypeList: null },
        tally,
        new Set(),
      );
      const { breadth } = QUERY_LIMITS;
      if (tally.visits > MAX_VISITS)
        context.reportError(
          limitError(
            `Query too broad: it expands to more than ${MAX_VISITS} selections.`,
            'breadth',
            breadth,
          ),
        );
      else if (tally.fields > breadth)
        context.reportError(
          limitError(
            `Query too broad: breadth ${tally.fields} exceeds the limit of ${breadth}.`,
            'breadth',
            breadth,
          ),
        );
      const { roots, selections } = INTROSPECTION_LIMITS;
      if (tally.roots > roots)
        context.reportError(
          limitError(
            `At most ${roots} introspection field (__schema or __type) per operation; this one has ${tally.roots}.`,
            'introspection',
            roots,
          ),
        );
      if (tally.introspection > selections)
        context.reportError(
          limitError(
            `Introspection too broad: ${tally.introspection} selections exceed the limit of ${selections}.`,
            'introspection',
            selections,
          ),
        );
      if (tally.nested)
        context.reportError(
          limitError(
            `Introspection may not nest one type list in another (${tally.nested}).`,
            'introspection',
            selections,
          ),
        );
    },
  };
};

/** A list literal in an argument or input field has at most MAX_LIST_ITEMS items. */
export const ListLiteralLimits: ValidationRule = (context) => {
  const names: string[] = [];
  const named = {
    enter: (n: { name: { value: string } }) => void names.push(n.name.value),
    leave: () => void names.pop(),
  };
  return {
    Argument: named,
    ObjectField: named,
    ListValue(node) {
      if (node.values.length <= MAX_LIST_ITEMS) return;
      // Lists inside a JSON scalar are data, not list arguments.
      const type = context.getParentInputType();
      if (!type || !isListType(getNullableType(type))) return;
      context.reportError(tooLong(names.join('.') || 'list', node.values.length));
    },
  };
};

export function tooLong(path: string, items: number): GraphQLError {
  return new GraphQLError(`${path} has ${items} items; at most ${MAX_LIST_ITEMS} are allowed.`, {
    extensions: { code: 'BAD_USER_INPUT', limit: 'list', max: MAX_LIST_ITEMS },
  });
}
