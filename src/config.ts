import path from 'node:path';
import { ConfigError } from './config-error';
import { parseUploadProfiles } from './upload-profiles-config';

/**
 * Everything the server reads from its environment, parsed once at start-up.
 * Nothing else in the code base reads process.env.
 */
export interface Config {
  readonly port: number;
  /** How long a shutdown waits for requests in flight (uploads, downloads). */
  readonly shutdownTimeoutSeconds: number;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly graphiql: boolean;
  readonly corsOrigins: readonly string[];
  /** Where a CDN (or any public origin) serves the bucket's objects by key: File.publicUrl. */
  readonly publicBaseUrl?: string;
  /** Clients' connections: how long one may take to send its headers, stay silent, wait between requests (src/http/server-timeouts.ts). */
  readonly http: {
    readonly headersTimeoutSeconds: number;
    readonly idleTimeoutSeconds: number;
    readonly keepAliveTimeoutSeconds: number;
  };
  /** Refused before any resolver runs; the defaults are far above what an SPA sends. */
  readonly graphqlLimits: {
    readonly maxDepth: number;
    readonly maxFields: number;
    readonly maxBatch: number;
    readonly maxBodyBytes: number;
    /** The work one HTTP request may ask for, batches included (src/graphql/request-cost.ts). */
    readonly maxCost: number;
  };
  readonly database: {
    /** Unset: start the embedded PostgreSQL. */
    readonly url?: string;
    readonly embeddedPort: number;
  };
  readonly s3: {
    readonly bucket: string;
    readonly region: string;
    /** Unset together with credentials: start the embedded S3 server. */
    readonly endpoint?: string;
    /** The endpoint presigned URLs name, when browsers reach storage by another address than the server does. */
    readonly publicEndpoint?: string;
    readonly forcePathStyle: boolean;
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
    /** True when some AWS credential source (keys, profile, web identity...) is configured. */
    readonly hasAwsCredentials: boolean;
    readonly embeddedPort: number;
    /** Every request to S3 ends within this, retries included (a streamed upload's body: each part). */
    readonly timeoutSeconds: number;
  };
  readonly upload: {
    readonly maxFileSizeBytes: number;
    readonly allowedExtensions: readonly string[];
    readonly allowedMimeTypes: readonly string[];
    readonly useUuidPrefix: boolean;
    readonly preserveFilename: boolean;
    readonly useTimestampPrefix: boolean;
    readonly folderStructure: string;
    readonly presignedUrlExpirySeconds: number;
    readonly downloadUrlExpirySeconds: number;
    /** Resumable uploads: the default part size (grown when a file would need more than 10,000 parts). */
    readonly multipartPartSizeBytes: number;
    /** Resumable uploads can be resumed for this long. */
    readonly multipartUploadExpirySeconds: number;
    /** A streamed upload or copy that makes no progress for this long is taken for abandoned (the purge removes it). */
    readonly reservationSeconds: number;
  };
  /** The processing pass after every upload (API.md, "After the upload"). */
  readonly processing: {
    readonly malwareScan: 'off' | 'clamd';
    readonly clamdHost: string;
    readonly clamdPort: number;
    /** How long completing a direct upload waits for its pass. */
    readonly waitSeconds: number;
    /** Larger images are stored as files but never decoded (image: null). */
    readonly imageMaxPixels: number;
    /** Background jobs one instance runs at once. */
    readonly jobConcurrency: number;
    /** An instance silent this long is taken for dead: its running jobs go to another. */
    readonly jobLeaseSeconds: number;
  };
  /** UPLOAD_PROFILES, by name. */
  readonly uploadProfiles: ReadonlyMap<string, UploadProfile>;
  /** Per owner, unless setQuota says otherwise; null: unlimited. */
  readonly quotas: {
    readonly defaultBytes: number | null;
    readonly defaultFiles: number | null;
  };
  /** Image renditions (API.md, "Images"). */
  readonly images: {
    /** The largest width or height a transform may ask for. */
    readonly maxDimension: number;
    /** Renditions rendered at once by one instance; further first requests wait their turn. */
    readonly renderConcurrency: number;
  };
  /** Live events (API.md, "Live events and webhooks"). */
  readonly events: {
    readonly webhookUrls: readonly string[];
    /** Signs each webhook body (X-Files-Signature); null: unsigned. */
    readonly webhookSecret: string | null;
    /** How long a receiver may take to answer before the attempt counts as failed (and is retried). */
    readonly webhookTimeoutSeconds: number;
    readonly subscriptionsPerConnection: number;
    readonly subscriptionsPerUser: number;
    readonly subscriptionBufferEvents: number;
  };
  /** ZIP archives (API.md, "Folders, bulk operations and the file lifecycle"): a larger selection is refused when asked for. */
  readonly archives: {
    readonly maxFiles: number;
    readonly maxBytes: number;
  };
  readonly purge: {
    readonly softDeleteRetentionDays: number;
    /** Seconds between purge runs inside the server; 0: only `npm run purge`. */
    readonly intervalSeconds: number;
  };
  readonly encryption: {
    readonly enabled: boolean;
    readonly algorithm: 'AES256' | 'aws:kms';
    readonly kmsKeyId?: string;
  };
  readonly auth: {
    readonly jwtSecret?: string;
    readonly jwksUrl?: string;
    readonly issuer?: string;
    readonly audience?: string;
    /** For identity providers that issue tokens without `exp`; such tokens are refused otherwise. */
    readonly allowTokensWithoutExpiry: boolean;
  };
}

export type Env = Record<string, string | undefined>;

/** Start-up stops with this: one line naming the variable. */
export { ConfigError };

/** One of UPLOAD_PROFILES, with the server's own rules where it says nothing. */
export interface UploadProfile {
  readonly maxFileSizeBytes: number;
  readonly allowedExtensions: readonly string[];
  readonly allowedMimeTypes: readonly string[];
  /** A folder template ({userId}); null: the client's folder. */
  readonly folder: string | null;
  /** null: the client's choice. */
  readonly isPublic: boolean | null;
  /** Files uploaded under the profile expire this long after upload; null: they do not. */
  readonly expiresInSeconds: number | null;
}

const MIB = 1024 * 1024;
const FOLDER_PLACEHOLDERS = ['year', 'month', 'day', 'hour'];

// The seed's defaults, unchanged.
const DEFAULT_EXTENSIONS = 'jpg,jpeg,png,gif,pdf,doc,docx,xls,xlsx,txt,csv,zip';
const DEFAULT_MIME_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'text/plain',
  'text/csv',
  'application/zip',
].join(',');

const AWS_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

export function parseConfig(env: Env): Config {
  const read = new Reader(env);
  const endpoint = read.url('S3_ENDPOINT_URL');
  const accessKeyId = read.string('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read.string('AWS_SECRET_ACCESS_KEY');
  if (accessKeyId && !secretAccessKey) {
    throw new ConfigError('AWS_SECRET_ACCESS_KEY: must be set when AWS_ACCESS_KEY_ID is');
  }
  const algorithm = read.choice('S3_SSE_ALGORITHM', ['AES256', 'aws:kms'] as const, 'AES256');
  const kmsKeyId = read.string('S3_SSE_KMS_KEY_ID');
  if (kmsKeyId && algorithm !== 'aws:kms') {
    throw new ConfigError('S3_SSE_KMS_KEY_ID: only meaningful with S3_SSE_ALGORITHM=aws:kms');
  }
  const jwksUrl = read.url('JWT_JWKS_URL');
  const issuer = read.string('JWT_ISSUER');
  const audience = read.string('JWT_AUDIENCE');
  if (jwksUrl && (!issuer || !audience)) {
    throw new ConfigError(`${issuer ? 'JWT_AUDIENCE' : 'JWT_ISSUER'}: required with JWT_JWKS_URL`);
  }

  const upload: Config['upload'] = {
    maxFileSizeBytes: Math.floor(read.positiveNumber('S3_MAX_FILE_SIZE_MB', 100) * MIB),
    allowedExtensions: read.list('S3_ALLOWED_EXTENSIONS', DEFAULT_EXTENSIONS).map(normalizeExtension),
    allowedMimeTypes: read.list('S3_ALLOWED_MIME_TYPES', DEFAULT_MIME_TYPES).map((type) => type.toLowerCase()),
    useUuidPrefix: read.boolean('S3_USE_UUID_PREFIX', true),
    preserveFilename: read.boolean('S3_PRESERVE_FILENAME', true),
    useTimestampPrefix: read.boolean('S3_USE_TIMESTAMP_PREFIX', true),
    folderStructure: read.folderStructure('S3_FOLDER_STRUCTURE', '{year}/{month}/{day}'),
    presignedUrlExpirySeconds: read.expiry('S3_PRESIGNED_URL_EXPIRY', 3600),
    downloadUrlExpirySeconds: read.expiry('S3_DOWNLOAD_URL_EXPIRY', 300),
    // S3's floor is 5 MiB per part; 5 GiB its ceiling.
    multipartPartSizeBytes: read.integer('MULTIPART_PART_SIZE_MB', 16, 5, 5120) * MIB,
    multipartUploadExpirySeconds: read.integer('MULTIPART_UPLOAD_EXPIRY', 86400, 60, 30 * 86400),
    reservationSeconds: read.integer('UPLOAD_RESERVATION_SECONDS', 3600, 1, 7 * 86400),
  };

  return deepFreeze({
    port: read.port('PORT', 4000),
    shutdownTimeoutSeconds: read.integer('SHUTDOWN_TIMEOUT_SECONDS', 30, 0, 3600),
    http: {
      headersTimeoutSeconds: read.integer('HTTP_HEADERS_TIMEOUT_SECONDS', 15, 1, 3600),
      idleTimeoutSeconds: read.integer('HTTP_IDLE_TIMEOUT_SECONDS', 30, 1, 3600),
      keepAliveTimeoutSeconds: read.integer('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 1, 3600),
    },
    dataDir: path.resolve(read.string('DATA_DIR') ?? './.data'),
    logLevel: read.choice('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    graphiql: read.boolean('GRAPHIQL', true),
    corsOrigins: read.list('CORS_ORIGINS', ''),
    publicBaseUrl: read.url('PUBLIC_BASE_URL')?.replace(/\/+$/, ''),
    graphqlLimits: {
      maxDepth: read.integer('GRAPHQL_MAX_DEPTH', 10, 1, 100),
      maxFields: read.integer('GRAPHQL_MAX_FIELDS', 500, 1, 100_000),
      maxBatch: read.integer('GRAPHQL_MAX_BATCH', 10, 1, 1000),
      maxBodyBytes: read.integer('GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      maxCost: read.integer('GRAPHQL_MAX_COST', 200, 1, 1_000_000),
    },
    database: {
      url: read.url('DATABASE_URL'),
      embeddedPort: read.port('EMBEDDED_DB_PORT', 5433),
    },
    s3: {
      bucket: read.bucket('S3_BUCKET_NAME', 'my-app-bucket'),
      region: read.string('S3_REGION') ?? 'us-east-1',
      endpoint,
      publicEndpoint: read.url('S3_PUBLIC_ENDPOINT_URL'),
      // Self-hosted servers (MinIO, Ceph, s3rver) rarely have wildcard DNS for virtual hosts.
      forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', endpoint !== undefined),
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: read.string('AWS_SESSION_TOKEN') } : undefined,
      hasAwsCredentials: AWS_CREDENTIAL_VARIABLES.some((name) => Boolean(env[name])),
      embeddedPort: read.port('EMBEDDED_S3_PORT', 4568),
      timeoutSeconds: read.integer('S3_TIMEOUT_SECONDS', 30, 1, 3600),
    },
    upload,
    processing: {
      malwareScan: read.choice('MALWARE_SCAN', ['off', 'clamd'] as const, 'off'),
      clamdHost: read.string('CLAMD_HOST') ?? '127.0.0.1',
      clamdPort: read.port('CLAMD_PORT', 3310),
      waitSeconds: read.integer('PROCESSING_WAIT_SECONDS', 10, 0, 300),
      imageMaxPixels: read.integer('IMAGE_MAX_PIXELS', 100_000_000, 1, 2 ** 32),
      jobConcurrency: read.integer('JOB_CONCURRENCY', 2, 1, 64),
      jobLeaseSeconds: read.integer('JOB_LEASE_SECONDS', 30, 1, 3600),
    },
    uploadProfiles: parseUploadProfiles(read.string('UPLOAD_PROFILES'), upload),
    quotas: {
      defaultBytes: read.optionalInteger('QUOTA_DEFAULT_BYTES', 0, Number.MAX_SAFE_INTEGER),
      defaultFiles: read.optionalInteger('QUOTA_DEFAULT_FILES', 0, 2 ** 31 - 1),
    },
    images: {
      maxDimension: read.integer('IMAGE_MAX_DIMENSION', 4096, 1, 16384),
      renderConcurrency: read.integer('IMAGE_RENDER_CONCURRENCY', 2, 1, 64),
    },
    events: {
      webhookUrls: webhookUrls(read.list('WEBHOOK_URLS', '')),
      webhookSecret: read.string('WEBHOOK_SECRET') ?? null,
      webhookTimeoutSeconds: read.integer('WEBHOOK_TIMEOUT_SECONDS', 10, 1, 300),
      subscriptionsPerConnection: read.integer('SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
      subscriptionsPerUser: read.integer('SUBSCRIPTIONS_PER_USER', 500, 1, 1_000_000),
      subscriptionBufferEvents: read.integer('SUBSCRIPTION_BUFFER_EVENTS', 1000, 1, 1_000_000),
    },
    archives: {
      maxFiles: read.integer('ARCHIVE_MAX_FILES', 10_000, 1, 1_000_000),
      maxBytes: read.integer('ARCHIVE_MAX_BYTES', 10 * 2 ** 30, 1, Number.MAX_SAFE_INTEGER),
    },
    purge: {
      softDeleteRetentionDays: read.integer('SOFT_DELETE_RETENTION_DAYS', 30, 0, 36500),
      intervalSeconds: read.integer('PURGE_INTERVAL', 0, 0, 30 * 86400),
    },
    encryption: {
      enabled: read.boolean('S3_ENCRYPT_AT_REST', true),
      algorithm,
      kmsKeyId,
    },
    auth: {
      jwtSecret: read.string('JWT_SECRET'),
      jwksUrl,
      issuer,
      audience,
      allowTokensWithoutExpiry: read.boolean('JWT_ALLOW_NO_EXP', false),
    },
  });
}

/** Where every event is POSTed: http(s) URLs only. */
function webhookUrls(urls: readonly string[]): string[] {
  for (const url of urls) {
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) throw new ConfigError(`WEBHOOK_URLS: not an http(s) URL: "${url}"`);
    // fetch refuses credentials in a URL: every delivery would fail, for a day.
    if (new URL(url).username || new URL(url).password) throw new ConfigError(`WEBHOOK_URLS: a URL may not hold credentials (user:password@): ${new URL(url).host}`);
  }
  return [...urls];
}

function normalizeExtension(extension: string): string {
  return extension.toLowerCase().replace(/^\./, '');
}

/** Presigned URLs (SigV4) live at most 7 days. */
export const MAX_PRESIGNED_EXPIRY_SECONDS = 7 * 24 * 3600;

class Reader {
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(`${name}: expected true or false, got "${value}"`);
  }

  positiveNumber(name: string, fallback: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name}: expected a positive number, got "${raw}"`);
    return value;
  }

  /** Unset (or empty): null. */
  optionalInteger(name: string, min: number, max: number): number | null {
    return this.string(name) === undefined ? null : this.integer(name, 0, min, max);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, 0, 65535);
  }

  expiry(name: string, fallback: number): number {
    return this.integer(name, fallback, 1, MAX_PRESIGNED_EXPIRY_SECONDS);
  }

  list(name: string, fallback: string): string[] {
    const raw = this.env[name] ?? fallback;
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if (!(choices as readonly string[]).includes(value)) {
      throw new ConfigError(`${name}: expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  }

  url(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!URL.canParse(value)) throw new ConfigError(`${name}: not a URL: "${value}"`);
    return value;
  }

  bucket(name: string, fallback: string): string {
    const value = this.string(name) ?? fallback;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
      throw new ConfigError(`${name}: not a valid bucket name: "${value}"`);
    }
    return value;
  }

  folderStructure(name: string, fallback: string): string {
    // An empty value is meaningful here: files at the root of their folder.
    const value = (this.env[name] ?? fallback).trim().replace(/^\/+|\/+$/g, '');
    for (const [, placeholder] of value.matchAll(/\{([^}]*)\}/g)) {
      if (!FOLDER_PLACEHOLDERS.includes(placeholder)) {
        throw new ConfigError(`${name}: unknown placeholder {${placeholder}}; use ${FOLDER_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
      }
    }
    if (value.split('/').some((segment) => segment === '..' || segment === '.') || value.includes('\\')) {
      throw new ConfigError(`${name}: must be a relative path without "..": "${value}"`);
    }
    // Image renditions live there (src/images/renditions.ts): a file's key must never start with it.
    if (value.split('/')[0] === '.renditions') throw new ConfigError(`${name}: ".renditions" is reserved for image renditions`);
    return value;
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
