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

/** What a selection set costs: the fields it selects (aliases and repeats included) and how deep it nests. */
interface Shape {
  fields: number;
  depth: number;
}

/**
 * One validation rule for the shape of a query: how deep it nests and how many
 * fields (aliases included) it selects, following fragments. It runs before any
 * resolver. Introspection (__schema, __type) is not counted: it is off in
 * production, and GraphiQL's own introspection query is deep.
 *
 * Each fragment is measured once and its shape reused wherever it is spread, so a
 * query whose fragments fan out (each spreading the next twice: 2^n fields) costs
 * as many steps as it has lines, not as many as it would select.
 */
export function requestLimitsRule(limits: RequestLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const measure = new SelectionMeasure(fragments);
    return {
      OperationDefinition(operation) {
        const { fields, depth } = measure.of(operation.selectionSet);
        if (depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`The query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, { nodes: [operation] }));
        }
        if (fields > limits.maxFields) {
          const count = Number.isSafeInteger(fields) ? String(fields) : 'more than 2^53';
          context.reportError(new GraphQLError(`The query selects ${count} fields; the limit is ${limits.maxFields}`, { nodes: [operation] }));
        }
      },
    };
  };
}

class SelectionMeasure {
  private readonly measured = new Map<string, Shape>();
  private readonly visiting = new Set<string>();

  constructor(private readonly fragments: Map<string, FragmentDefinitionNode>) {}

  of(selections: SelectionSetNode): Shape {
    const shape = { fields: 0, depth: 0 };
    for (const selection of selections.selections) {
      let inner: Shape;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const below = selection.selectionSet ? this.of(selection.selectionSet) : { fields: 0, depth: 0 };
        inner = { fields: 1 + below.fields, depth: 1 + below.depth };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = this.of(selection.selectionSet);
      } else {
        inner = this.fragment(selection.name.value);
      }
      shape.fields += inner.fields;
      shape.depth = Math.max(shape.depth, inner.depth);
    }
    return shape;
  }

  private fragment(name: string): Shape {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // An unknown fragment, or one spread inside itself, is refused by GraphQL's own rules; count nothing here.
    if (!fragment || this.visiting.has(name)) return { fields: 0, depth: 0 };
    this.visiting.add(name);
    const shape = this.of(fragment.selectionSet);
    this.visiting.delete(name);
    this.measured.set(name, shape);
    return shape;
  }
}
