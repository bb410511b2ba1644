import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import cors from 'cors';
import DataLoader from 'dataloader';
import express, { type Request, type Response } from 'express';
import { ArchiveService, ArchiveTokens } from './archives/archive.service';
import { type Actor, Authenticator } from './auth/authenticator';
import { EventHub } from './events/event-hub';
import { EventListener } from './events/event-listener';
import type { FileEventRow } from './events/file-event';
import { Webhooks } from './events/webhooks';
import { loadOrCreateDevSecret } from './auth/dev-secret';
import type { Config } from './config';
import { connect } from './connections';
import { FilePolicy } from './files/file-policy';
import { Purger } from './files/purge';
import { FileRepository } from './files/file-repository';
import { FileService } from './files/file.service';
import { FileRemoval } from './files/file-removal';
import { FolderService } from './files/folders.service';
import { TrashService } from './files/trash.service';
import { UploadService } from './files/upload.service';
import { MultipartUploadService } from './files/multipart-upload.service';
import { NewFileLifecycle, type NewFileHooks } from './files/new-file-lifecycle';
import { UploadProfiles } from './files/upload-profiles';
import type { Context } from './graphql/context';
import { createFormatError } from './graphql/format-error';
import { metricsPlugin } from './graphql/metrics-plugin';
import { compiledExecution } from './graphql/compiled-execution';
import { refuseNulCharacters } from './graphql/nul-characters';
import { RequestBudget, requestCostPlugin } from './graphql/request-cost';
import { refuseSubscriptionsOverHttp, serveSubscriptions } from './graphql/subscriptions';
import { requestLimitsRule } from './graphql/request-limits';
import { buildFileSchema } from './graphql/schema';
import { actorOf, authenticate } from './http/authenticate';
import { Drain } from './http/drain';
import { downloadRouter } from './http/download.route';
import { archiveRouter } from './http/archive.route';
import { graphqlBodyErrors, graphqlRequestGuards, lastErrorHandler, limitBatch, refuseDeclaredOversize } from './http/graphql-request-guards';
import { healthRouter } from './http/health.routes';
import { imageRouter } from './http/image.route';
import { lingeringClose } from './http/lingering-close';
import { refuseSharedUploads } from './http/refuse-shared-uploads';
import { requestOrigin } from './http/request-origin';
import { applyServerTimeouts } from './http/server-timeouts';
import { uploadMiddleware } from './http/upload-middleware';
import { webRouter } from './http/web-pages';
import { ImageRenderer } from './images/image-renderer';
import { ImageUrls } from './images/image-urls';
import { Renditions } from './images/renditions';
import { Quotas } from './quotas/quotas';
import { UsageService } from './quotas/usage.service';
import type { Logger } from './logger';
import { Metrics } from './metrics';
import { ImageAnalyser } from './images/image-analyser';
import { GraphileJobQueue } from './jobs/graphile-job-queue';
import { registerProcessingJobs } from './processing/processing-jobs';
import { ProcessingPass } from './processing/processing-pass';
import { ClamdScanner } from './scanning/clamd-scanner';
import type { MalwareScanner } from './scanning/malware-scanner';
import { serverSecret } from './server-secrets';
import { reportBucketProtections } from './storage/bucket-protections';
import type { StorageBackend } from './storage/storage-backend';

export interface RunningApp {
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  orm: MikroORM;
  storage: StorageBackend;
  purger: Purger;
  metrics: Metrics;
  /** Graceful: stops taking requests, lets those in flight finish (SHUTDOWN_TIMEOUT_SECONDS), then closes connections. */
  close(): Promise<void>;
}

export interface AppParts {
  /**
   * What joins the life of every new file (NewFileHooks), in order: the features
   * that hook in (quotas, events) are listed here. The processing pass is part of
   * the life cycle itself (every file goes through it).
   */
  newFileHooks?: readonly NewFileHooks[];
}

/**
 * The composition root: config → ORM (migrated) → S3 → services → schema →
 * HTTP. The only place where parts are built and wired; tests start it on port 0.
 */
export async function startApp(config: Config, log: Logger, parts: AppParts = {}): Promise<RunningApp> {
  const metrics = new Metrics();
  const connections = await connect(config, log, metrics);
  const { orm, storage } = connections;
  const purger = new Purger(orm, storage, config.purge, log);
  await reportBucketProtections(storage, log);
  if (!config.upload.useUuidPrefix) await reportConditionalWrites(storage, log);
  const policy = new FilePolicy(config.upload);
  const profiles = new UploadProfiles(config.uploadProfiles, policy, config.upload);
  const authenticator = await createAuthenticator(config, log);
  const newFileHooks = parts.newFileHooks ?? [];
  const images = new ImageAnalyser(config.processing.imageMaxPixels);
  const imageUrls = await ImageUrls.open(orm.em.fork());
  const archiveTokens = new ArchiveTokens(await serverSecret(orm.em.fork(), 'archive-urls'));
  const renditions = new Renditions(storage, new ImageRenderer(config.processing.imageMaxPixels, config.images.renderConcurrency, metrics), log, metrics);
  const imageUrlSettings = { maxDimension: config.images.maxDimension, defaultExpirySeconds: config.upload.presignedUrlExpirySeconds };
  const pass = new ProcessingPass(createScanner(config, log), images, metrics);
  const queue = new GraphileJobQueue(config.database.url!, log, config.processing.jobConcurrency, config.processing.jobLeaseSeconds * 1000, metrics);
  const processing = { queue, waitSeconds: config.processing.waitSeconds };
  const quotas = new Quotas(config.quotas);

  // Per request (and per job): one entity manager, and the services that share it.
  const scope = () => {
    const files = new FileRepository(orm.em.fork());
    return { files, lifecycle: new NewFileLifecycle(files, storage, config.upload, processing, quotas, newFileHooks, log, metrics) };
  };
  const servicesFor = () => {
    const { files: repository, lifecycle } = scope();
    const removal = new FileRemoval(repository, storage, log);
    return {
      files: new FileService(repository, storage, policy, config.upload, lifecycle, log, config.publicBaseUrl),
      uploads: new UploadService(repository, storage, policy, config.upload, lifecycle, pass, profiles),
      multipart: new MultipartUploadService(repository, storage, policy, config.upload, lifecycle, profiles),
      usage: new UsageService(repository.sql, quotas),
      folders: new FolderService(repository, removal, log),
      trash: new TrashService(repository, removal, log),
      archives: new ArchiveService(repository, storage, archiveTokens, config.archives, config.upload.downloadUrlExpirySeconds, log),
    };
  };
  registerProcessingJobs(queue, { scope, storage, pass, images, log });
  const webhooks = new Webhooks(orm, queue, { urls: config.events.webhookUrls, secret: config.events.webhookSecret, timeoutSeconds: config.events.webhookTimeoutSeconds }, log, metrics);
  await queue.start();
  const hub = new EventHub(
    { perConnection: config.events.subscriptionsPerConnection, perUser: config.events.subscriptionsPerUser, bufferedEvents: config.events.subscriptionBufferEvents },
    metrics,
  );
  const readEvents = (sql: string, params: unknown[]) => orm.em.fork().getConnection().execute<FileEventRow[]>(sql, params);
  const events = new EventListener(config.database.url!, readEvents, (batch) => {
    for (const event of batch) hub.publish(event);
    webhooks.requestDispatch();
  }, () => hub.size > 0 || webhooks.enabled, log, metrics);
  await events.start();
  // A safety net: events whose dispatch failed (the database briefly gone) are queued on the next round.
  const dispatchSchedule = setInterval(() => webhooks.requestDispatch(), 10_000);
  dispatchSchedule.unref();
  metrics.watchJobQueue(() => queue.waiting());

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  applyServerTimeouts(httpServer, config.http);
  // What is read of a refused body before the connection is cut: a file refused before a byte of it
  // was read (its declared size too large) may be anything above the limit, so twice the limit, and
  // never under 64 MiB; the 10 s bound of lingering-close.ts holds whatever the size.
  lingeringClose(httpServer, { maxBytes: Math.max(2 * config.upload.maxFileSizeBytes, 64 * 1024 * 1024) });
  const schema = await buildFileSchema();
  const validationRules = [requestLimitsRule(config.graphqlLimits)];
  const formatError = createFormatError(log);
  const apollo = new ApolloServer<Context>({
    gateway: compiledExecution(schema),
    introspection: config.graphiql,
    // "Did you mean "files"?" would list the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: !config.graphiql,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo Client's BatchHttpLink sends arrays; limitBatch bounds their length.
    allowBatchedHttpRequests: true,
    validationRules,
    // main.ts owns the signals: it stops the app, then the embedded services, in order.
    stopOnTerminationSignals: false,
    // GraphiQL is served by webRouter, from installed packages: Apollo's own page loads from a CDN.
    plugins: [
      // Requests in flight have finished (see Drain) by the time Apollo stops: close what is left at once.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 0 }),
      ApolloServerPluginLandingPageDisabled(),
      // No @cacheControl hints are used; the plugin would still instrument every field.
      ApolloServerPluginCacheControlDisabled(),
      metricsPlugin(metrics),
      refuseNulCharacters(),
      refuseSubscriptionsOverHttp(),
      requestCostPlugin(),
    ],
  });
  await apollo.start();

  /** What an operation's resolvers get, over HTTP or a WebSocket (`subscribe`). */
  const contextFor = (actor: Actor | null, origin: string, subscribe?: Context['subscribe']): Context => {
    const { files, uploads, multipart, usage, folders, trash, archives } = servicesFor();
    const imageUrl: Context['imageUrl'] = (file, transform, expiresIn) => imageUrls.forFile(origin, file, transform, expiresIn, imageUrlSettings);
    return {
      actor,
      files,
      uploads,
      multipart,
      profiles,
      usage,
      folders,
      trash,
      archives,
      origin,
      imageUrl,
      subscribe,
      budget: new RequestBudget(config.graphqlLimits.maxCost),
      loaders: { file: new DataLoader((ids: readonly string[]) => files.findMany(actor, ids)) },
    };
  };
  const context = async ({ req, res }: { req: Request; res: Response }): Promise<Context> => contextFor(actorOf(res.locals), requestOrigin(req));

  // Tokens travel as Authorization headers, never cookies: no credentials, which is what makes `*` safe.
  const corsMiddleware = cors({
    origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
    credentials: false,
    allowedHeaders: ['Authorization', 'Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name', 'Range', 'If-None-Match', 'If-Range'],
    exposedHeaders: ['Content-Disposition', 'Content-Range', 'Accept-Ranges', 'ETag'],
    maxAge: 600,
  });
  const drain = new Drain();
  app.use(drain.middleware);
  app.use(healthRouter(orm, storage));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(webRouter(config));
  app.use(
    corsMiddleware,
    imageRouter({ readFile: (id) => new FileRepository(orm.em.fork()).readById(id), urls: imageUrls, renditions, maxDimension: config.images.maxDimension, log }),
  );
  app.use(corsMiddleware, downloadRouter({ authenticator, fileService: () => servicesFor().files, log, metrics }));
  app.use(corsMiddleware, archiveRouter({ archives: () => servicesFor().archives, log, metrics }));
  app.use(
    '/graphql',
    corsMiddleware,
    authenticate(authenticator),
    ...graphqlRequestGuards(),
    // JSON GraphQL bodies are small; files travel as multipart.
    refuseDeclaredOversize(config.graphqlLimits.maxBodyBytes),
    express.json({ limit: config.graphqlLimits.maxBodyBytes }),
    // The policy's byte counter must see the excess first, so the parser's own limit sits above it.
    uploadMiddleware({ maxFileSize: config.upload.maxFileSizeBytes + 1024 * 1024, maxFiles: config.graphqlLimits.maxBatch, maxFieldSize: config.graphqlLimits.maxBodyBytes }),
    limitBatch(config.graphqlLimits.maxBatch),
    refuseSharedUploads,
    expressMiddleware(apollo, { context }),
    graphqlBodyErrors,
  );
  app.use(lastErrorHandler(log));

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject); // a port in use, say: start-up fails cleanly
      httpServer.listen(config.port, resolve);
    });
  } catch (error) {
    clearInterval(dispatchSchedule);
    await events.stop();
    await apollo.stop();
    await queue.stop();
    await connections.close();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const subscriptions = serveSubscriptions(httpServer, schema, { authenticator, contextFor, hub, formatError, validationRules, log });
  const purgeSchedule = schedulePurge(purger, config.purge.intervalSeconds, log);
  return {
    url: `http://127.0.0.1:${port}`,
    orm,
    storage,
    purger,
    metrics,
    async close() {
      clearInterval(purgeSchedule);
      clearInterval(dispatchSchedule);
      await drain.drain(config.shutdownTimeoutSeconds * 1000);
      await subscriptions.close();
      await events.stop();
      await apollo.stop(); // closes the HTTP server
      await queue.stop(config.shutdownTimeoutSeconds * 1000); // lets running jobs finish, within the same bound
      await connections.close();
    },
  };
}

/**
 * Without UUID names, keys can clash. Every write asks storage not to overwrite
 * (If-None-Match: *); where storage ignores that, the HEAD check before each
 * write is the only guard against objects written by someone else: say so once.
 */
async function reportConditionalWrites(storage: StorageBackend, log: Logger): Promise<void> {
  if (await storage.supportsConditionalWrites()) {
    log.info({ event: 'conditional_writes', supported: true });
  } else {
    log.warn(
      { event: 'conditional_writes', supported: false },
      'Storage ignores If-None-Match: an object written by another client between the existence check and the write could be overwritten',
    );
  }
}

/** PURGE_INTERVAL: every instance may run it; the purge's lock makes one run at a time do the work. */
function schedulePurge(purger: Purger, intervalSeconds: number, log: Logger): NodeJS.Timeout | undefined {
  if (intervalSeconds === 0) return undefined;
  const timer = setInterval(() => {
    purger.run().catch((error: unknown) => log.error({ event: 'purge_failed', err: error }));
  }, intervalSeconds * 1000);
  timer.unref();
  return timer;
}

/** MALWARE_SCAN: clamd, or no scanner at all (said at start-up, so that nobody believes otherwise). */
function createScanner(config: Config, log: Logger): MalwareScanner | null {
  const { malwareScan, clamdHost, clamdPort } = config.processing;
  if (malwareScan === 'off') {
    log.warn({ event: 'malware_scanning', enabled: false }, 'MALWARE_SCAN=off: uploads are not scanned for malware');
    return null;
  }
  log.info({ event: 'malware_scanning', enabled: true, scanner: `clamd at ${clamdHost}:${clamdPort}` });
  return new ClamdScanner(clamdHost, clamdPort, config.s3.timeoutSeconds * 1000);
}

async function createAuthenticator(config: Config, log: Logger): Promise<Authenticator> {
  const { jwtSecret, jwksUrl, issuer, audience, allowTokensWithoutExpiry: allowNoExp } = config.auth;
  if (jwksUrl) return Authenticator.withJwks(jwksUrl, issuer!, audience!, { allowNoExp });
  if (jwtSecret) return Authenticator.withSecret(jwtSecret, { allowNoExp });
  log.warn(
    { event: 'development_default', service: 'auth', secretFile: `${config.dataDir}/jwt-secret` },
    'No JWT_SECRET and no JWT_JWKS_URL: tokens are signed with a development secret kept under DATA_DIR (`npm run token`)',
  );
  return Authenticator.withSecret(await loadOrCreateDevSecret(config.dataDir), { allowNoExp });
}
