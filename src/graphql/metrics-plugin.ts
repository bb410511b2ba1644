import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Metrics } from '../metrics';

/**
 * Times each GraphQL request. The operation label is the operation type and its
 * root fields ("mutation:uploadFile"): client-chosen operation names would let any
 * client grow the label set without bound; the schema's fields cannot.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const stop = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const outcome = errors?.length ? String(errors[0].extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'ok';
          stop({ operation: operation ? label(operation) : 'unparsed', outcome });
        },
      };
    },
  };
}

function label(operation: OperationDefinitionNode): string {
  const fields = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    fields.add(selection.kind === Kind.FIELD ? selection.name.value : 'fragment');
  }
  const names = [...fields].sort();
  return `${operation.operation}:${names.length > 3 ? 'multiple' : names.join(',')}`;
}
