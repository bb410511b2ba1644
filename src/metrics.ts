import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type UploadPath = 'multipart' | 'direct';

/**
 * Prometheus metrics, one registry per app (tests run several in one process).
 * Labels are bounded: upload paths, error codes, S3 operation names, GraphQL root
 * fields and outcomes; never user ids, file ids or names.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly filesUploaded = new Counter({
    name: 'files_uploaded_total',
    help: 'Files that became AVAILABLE, by upload path (multipart: through the server; direct: straight to S3)',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });

  readonly uploadBytes = new Counter({
    name: 'files_upload_bytes_total',
    help: 'Bytes of files that became AVAILABLE',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'files_rejected_total',
    help: 'Uploads refused or failed, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly downloadedBytes = new Counter({
    name: 'files_downloaded_bytes_total',
    help: 'Bytes sent by the download route',
    registers: [this.registry],
  });

  readonly s3Duration = new Histogram({
    name: 's3_request_duration_seconds',
    help: 'S3 requests made by the server, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL requests, by operation (its root fields) and outcome (ok or the first error code)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [this.registry],
  });

  readonly filesScanned = new Counter({
    name: 'files_scanned_total',
    help: 'Files the malware scanner judged, by outcome (clean, infected, error: the scanner failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly passDuration = new Histogram({
    name: 'processing_pass_duration_seconds',
    help: "The processing pass over one file's bytes (checksums, scan, image analysis), from its first byte to its verdict; read: stream (as a streamed upload arrives, at the client's pace) or object (read back from storage)",
    labelNames: ['read'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly jobsFailed = new Counter({
    name: 'jobs_failed_total',
    help: 'Background job runs that failed (each is retried with backoff until its attempts run out), by task',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });

  readonly integrityMismatches = new Counter({
    name: 'integrity_mismatches_total',
    help: "Reads of a file's object that found another object under its key (changed in storage outside the server), by S3 operation: never served",
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly subscriptionsOpen = new Gauge({
    name: 'graphql_subscriptions_open',
    help: 'GraphQL subscriptions (fileEvents) open on this instance',
    registers: [this.registry],
  });

  readonly slowSubscribers = new Counter({
    name: 'graphql_subscriptions_closed_slow_total',
    help: 'Subscription connections closed because their client fell too many events behind',
    registers: [this.registry],
  });

  readonly eventsDelivered = new Counter({
    name: 'file_events_received_total',
    help: 'File events this instance read from the outbox after their commit (each once), to hand to its subscribers',
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook POSTs, by outcome: delivered (2xx), failed (another status, a timeout or a broken connection: retried with backoff)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly imageRenditions = new Counter({
    name: 'image_renditions_served_total',
    help: 'Image renditions served by the image route, by source: memory (recently served by this instance), stored (rendered before, read from storage) or rendered (on this request)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly imageRenderDuration = new Histogram({
    name: 'image_render_duration_seconds',
    help: 'Rendering one image rendition (decode, resize, encode), once its turn came; outcome: ok or failed (an image that does not decode)',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly imageRendersWaiting = new Gauge({
    name: 'image_renders_waiting',
    help: 'First requests for renditions waiting for a render slot (IMAGE_RENDER_CONCURRENCY)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The queue's depth, read from the database when the metrics are scraped. */
  watchJobQueue(waiting: () => Promise<number>): void {
    new Gauge({
      name: 'jobs_waiting',
      help: 'Background jobs not yet done: queued, scheduled for a retry, or running',
      registers: [this.registry],
      async collect() {
        // Scraped during a database outage, /metrics must still answer: the last value stays.
        await waiting().then((count) => this.set(count), () => undefined);
      },
    });
  }

  uploaded(path: UploadPath, bytes: number): void {
    this.filesUploaded.inc({ path });
    this.uploadBytes.inc({ path }, bytes);
  }
}
