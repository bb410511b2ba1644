import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export interface RequestLimits {
  maxDepth: number;
  maxFields: number;
}

/**
 * One validation rule for the shape of a query: how deep it nests and how many
 * fields (aliases included) it selects, following fragments. It runs before any
 * resolver. Introspection (__schema, __type) is not counted: it is off in
 * production, and GraphiQL's own introspection query is deep.
 */
export function requestLimitsRule(limits: RequestLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const measure = { fields: 0, depth: 0 };
        walk(operation.selectionSet, 1, measure, fragments, new Set());
        if (measure.depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`The query is nested ${measure.depth} levels deep; the limit is ${limits.maxDepth}`, { nodes: [operation] }));
        }
        if (measure.fields > limits.maxFields) {
          context.reportError(new GraphQLError(`The query selects ${measure.fields} fields; the limit is ${limits.maxFields}`, { nodes: [operation] }));
        }
      },
    };
  };
}

function walk(
  selections: SelectionSetNode,
  depth: number,
  measure: { fields: number; depth: number },
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): void {
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      measure.fields++;
      measure.depth = Math.max(measure.depth, depth);
      if (selection.selectionSet) walk(selection.selectionSet, depth + 1, measure, fragments, visiting);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      walk(selection.selectionSet, depth, measure, fragments, visiting);
    } else {
      const fragment = fragments.get(selection.name.value);
      // A fragment spread inside itself is refused by GraphQL's own rules; do not loop on it here.
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      walk(fragment.selectionSet, depth, measure, fragments, visiting);
      visiting.delete(fragment.name.value);
    }
  }
}
