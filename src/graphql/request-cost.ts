import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Context } from './context';

/**
 * What one occurrence of a field costs, in round trips to the database or storage
 * (a signature counts as one: it comes with the row it signs for). Root fields not
 * listed cost 1, nested fields 0 (their rows come with their parent's, and
 * `copiedFrom` is one batched query per request).
 */
const FIELD_COSTS: Readonly<Record<string, number>> = {
  'Query.uploadConfig': 0,
  'Query.fileMetadata': 2, // the row, and a HEAD in storage
  'Query.uploadedParts': 2, // the row, and ListParts in storage
  'Mutation.signUploadParts': 5, // up to 100 signatures
};

/** Whatever a field with a `first` argument selects is paid for that many times. */
const PAGE_ARGUMENT = 'first';

/**
 * The work one HTTP request may ask for, summed over the operations of a batch:
 * the field limit bounds one operation, but a batch of ten operations of 240
 * aliased `presignedUrl`s each stayed within it and cost seconds of CPU.
 * Operations are charged as they are resolved; the ones that would pass the
 * budget are refused (BAD_USER_INPUT) before anything of them runs.
 */
export class RequestBudget {
  private spent = 0;

  constructor(private readonly limit: number) {}

  charge(cost: number): void {
    if (this.spent + cost > this.limit) {
      throw new GraphQLError(
        `This request asks for work costing ${this.spent + cost} (one per file read, signature or storage call); the limit per request, batches included, is ${this.limit}`,
        { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
      );
    }
    this.spent += cost;
  }
}

export function requestCostPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request, schema }) {
          const root = operation && schema.getRootType(operation.operation);
          if (!root) return; // refused by execution, with its own error
          const cost = new CostWalk(schema, document, request.variables ?? {}).of(operation.selectionSet, root);
          contextValue.budget.charge(cost);
        },
      };
    },
  };
}

class CostWalk {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  /** A fragment's cost, counted once: fragments that fan out would otherwise cost 2^n steps to count. */
  private readonly fragmentCosts = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  of(selections: SelectionSetNode, parent: GraphQLNamedType): number {
    let cost = 0;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!field) continue; // __typename, or refused by validation
        const own = FIELD_COSTS[`${parent.name}.${field.name}`] ?? (this.isRoot(parent) ? 1 : 0);
        const below = selection.selectionSet ? this.of(selection.selectionSet, getNamedType(field.type)) : 0;
        const page = field.args.find((arg) => arg.name === PAGE_ARGUMENT);
        const times = page ? this.pageSize(selection.arguments?.find((arg) => arg.name.value === PAGE_ARGUMENT)?.value, page.defaultValue) : 1;
        cost += own + times * below;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost += this.of(selection.selectionSet, this.typeOf(selection.typeCondition?.name.value) ?? parent);
      } else {
        cost += this.fragment(selection.name.value);
      }
    }
    return cost;
  }

  private fragment(name: string): number {
    const known = this.fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const type = this.typeOf(fragment?.typeCondition.name.value);
    // Validation has refused unknown and self-spreading fragments; a cycle costs nothing here.
    this.fragmentCosts.set(name, 0);
    const cost = fragment && type ? this.of(fragment.selectionSet, type) : 0;
    this.fragmentCosts.set(name, cost);
    return cost;
  }

  private pageSize(value: ValueNode | undefined, defaultValue: unknown): number {
    const given = value?.kind === Kind.INT ? Number(value.value) : value?.kind === Kind.VARIABLE ? (this.variables[value.name.value] ?? defaultValue) : defaultValue;
    return typeof given === 'number' && given > 0 ? given : 1;
  }

  private typeOf(name: string | undefined): GraphQLNamedType | undefined {
    return name === undefined ? undefined : this.schema.getType(name);
  }

  private isRoot(type: GraphQLNamedType): boolean {
    return type === this.schema.getQueryType() || type === this.schema.getMutationType();
  }
}
