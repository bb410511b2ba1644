import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { GraphQLClient } from 'graphql-request';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { startApp, type AppParts, type RunningApp } from '../../src/app';
import { parseConfig, type Config, type Env } from '../../src/config';
import { createLogger } from '../../src/logger';

export interface TestServer {
  url: string;
  config: Config;
  app: RunningApp;
  /** A token for this user, signed with the server's secret. */
  token(userId: string, options?: { admin?: boolean; expiresIn?: string }): Promise<string>;
  /** A GraphQL client, as the given user (or anonymous). */
  client(userId?: string, options?: { admin?: boolean }): Promise<GraphQLClient>;
  /** A real multipart request (graphql-multipart-request-spec), answered as JSON. */
  upload(userId: string | null, file: { name: string; bytes: Buffer | Uint8Array }, input?: Record<string, unknown>): Promise<GraphQLAnswer>;
  /** Every key in the bucket. */
  objectKeys(): Promise<string[]>;
  objectBytes(key: string): Promise<Buffer>;
  /** Rows in the files table (all statuses). */
  rowCount(): Promise<number>;
  s3: S3Client;
  resources: TestResources;
  stop(): Promise<void>;
}

export interface GraphQLAnswer {
  status: number;
  data?: Record<string, any>;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const UPLOAD_MUTATION = `mutation Upload($file: Upload!, $input: UploadFileInput) {
  uploadFile(file: $file, input: $input) { id originalName s3Key folder contentType extension size checksumSha256 metadata isPublic status serverSideEncryption ownerId description }
}`;

/** A database and a bucket of a test's own, and the environment that points a server at them. */
export interface TestResources {
  env: Env;
  s3: S3Client;
  bucket: string;
  /** Drops the database and empties and deletes the bucket. */
  remove(): Promise<void>;
}

export async function createTestResources(): Promise<TestResources> {
  const suffix = randomBytes(6).toString('hex');
  const database = `files_test_${suffix}`;
  const bucket = `files-test-${suffix}`;
  const adminUrl = process.env.TEST_DATABASE_URL!;
  await withPg(adminUrl, (pg) => pg.query(`create database ${database}`));

  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: process.env.TEST_S3_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.TEST_AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.TEST_AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  return {
    s3,
    bucket,
    env: {
      DATABASE_URL: databaseUrl.toString(),
      S3_ENDPOINT_URL: process.env.TEST_S3_ENDPOINT_URL,
      AWS_ACCESS_KEY_ID: process.env.TEST_AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.TEST_AWS_SECRET_ACCESS_KEY,
      S3_BUCKET_NAME: bucket,
    },
    async remove() {
      const keys = await listKeys(s3, bucket);
      if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
      await withPg(adminUrl, (pg) => pg.query(`drop database if exists ${database} with (force)`));
    },
  };
}

/**
 * The real server, on port 0, with a database and a bucket of its own: test files
 * cannot see each other's rows or objects, so "nothing was left behind" can be
 * checked by counting. With `shareWith`, a second instance on the first one's
 * database and bucket (which the first one removes); with `resources`, on those
 * (which their creator removes).
 */
export async function startTestServer(
  env: Env = {},
  options: { shareWith?: TestServer; resources?: TestResources; parts?: AppParts; logTo?: NodeJS.WritableStream } = {},
): Promise<TestServer> {
  const resources = options.shareWith?.resources ?? options.resources ?? (await createTestResources());
  const { s3, bucket } = resources;
  const secret = options.shareWith?.config.auth.jwtSecret ?? randomBytes(24).toString('hex');
  const config = parseConfig({
    PORT: '0',
    DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'file-server-data-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    S3_MAX_FILE_SIZE_MB: '1',
    JWT_SECRET: secret,
    ...resources.env,
    ...env,
  });
  const app = await startApp(config, createLogger(config.logLevel, options.logTo), options.parts);

  const token: TestServer['token'] = (userId, options = {}) =>
    new SignJWT({ roles: options.admin ? ['admin'] : [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(new TextEncoder().encode(config.auth.jwtSecret ?? secret));

  const objectKeys = () => listKeys(s3, bucket);

  return {
    url: app.url,
    config,
    app,
    s3,
    token,
    async client(userId, options) {
      const headers: Record<string, string> = userId ? { authorization: `Bearer ${await token(userId, options)}` } : {};
      return new GraphQLClient(`${app.url}/graphql`, { headers });
    },
    async upload(userId, file, input) {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null, input: input ?? null } }));
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob([new Uint8Array(file.bytes)]), file.name);
      const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
      if (userId) headers.authorization = `Bearer ${await token(userId)}`;
      const response = await fetch(`${app.url}/graphql`, { method: 'POST', body: form, headers });
      return { status: response.status, ...((await response.json()) as object) };
    },
    objectKeys,
    async objectBytes(key) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async rowCount() {
      const rows = await app.orm.em.getConnection().execute('select count(*)::int as count from files');
      return rows[0].count;
    },
    resources,
    async stop() {
      await app.close();
      if (!options.shareWith && !options.resources) await resources.remove();
    },
  };
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys;
}

async function withPg<T>(url: string, work: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return await work(pg);
  } finally {
    await pg.end();
  }
}

/** A fresh user id per test, so tests never see each other's files. */
export function someUser(): string {
  return `user-${randomUUID()}`;
}
