import type { S3Client } from '@aws-sdk/client-s3';
import type { Histogram } from 'prom-client';

/** Times every command the client sends: the SDK's own middleware, so no call site can forget. */
export function instrumentS3(client: S3Client, duration: Histogram<'operation' | 'outcome'>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const stop = duration.startTimer({ operation });
      try {
        const result = await next(args);
        stop({ outcome: 'ok' });
        return result;
      } catch (error) {
        const name = (error as { name?: string }).name;
        stop({ outcome: name === 'NoSuchKey' || name === 'NotFound' ? 'not_found' : 'error' });
        throw error;
      }
    },
    { step: 'initialize', name: 'fileServerMetrics' },
  );
}
