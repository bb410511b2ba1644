import { ConnectionException, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { FileEntity, FileStatus } from '../../entities/file.entity';
import { Errors } from '../errors';
import type { SqlInTransaction } from '../jobs/job-queue';
import { fileRecord, type FileRecord, type FileRow } from './file-record';
import type { FileOrder, Position } from './cursor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListQuery {
  /** Null: every owner (administrators only). */
  ownerId: string | null;
  folder?: string | null;
  folderPrefix?: string | null;
  contentTypePrefix?: string | null;
  search?: string | null;
  metadataContains?: Record<string, unknown> | null;
  statuses: FileStatus[];
  /** PROCESSING and QUARANTINED files are listed to their owner alone (and to administrators asking for that status). */
  ownerOfUnfinished: string;
  first: number;
  order: FileOrder;
  after?: Position;
}

const SORT_COLUMNS = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', NAME: 'original_name', SIZE: 'size' } as const;

export interface Page {
  files: FileRecord[];
  hasNextPage: boolean;
  /** Counted only when asked for: it reads every matching row, the page does not. */
  countTotal(): Promise<number>;
}

/** The files table, through one request's entity manager. */
export class FileRepository {
  constructor(private readonly em: EntityManager) {}

  /** The entity, to change it. A malformed id names no file, like an unknown one. */
  async findById(id: string): Promise<FileEntity | null> {
    if (!UUID.test(id)) return null;
    return guard(() => this.em.findOne(FileEntity, { id }));
  }

  /** To read it only. */
  async readById(id: string): Promise<FileRecord | null> {
    const [file] = await this.readByIds([id]);
    return file ?? null;
  }

  async readByIds(ids: readonly string[]): Promise<FileRecord[]> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length) return [];
    // One array parameter: the query builder makes a criteria node and a placeholder per id (a page has 50).
    const rows = await guard(() => this.em.getConnection().execute<FileRow[]>('select * from files where id = any(?::uuid[])', [`{${valid.join(',')}}`]));
    return rows.map(fileRecord);
  }

  /** Points a new row at an existing one (copiedFrom) without reading it. */
  reference(id: string): FileEntity {
    return this.em.getReference(FileEntity, id);
  }

  /**
   * Inserting reserves the key: a second file with the same key is a CONFLICT.
   * `alongside` runs in the same transaction, after the row is in (a quota check).
   */
  async insert(file: FileEntity, alongside?: (sql: SqlInTransaction) => Promise<void>): Promise<void> {
    try {
      this.em.persist(file);
      await this.flushWith(alongside);
    } catch (error) {
      this.em.clear();
      if (error instanceof UniqueConstraintViolationException) throw Errors.conflict(`A file with the key "${file.s3Key}" already exists`);
      throw error;
    }
  }

  /**
   * Saves every change made to loaded entities. `alongside` runs in the same
   * transaction (a job queued for the change commits with it, or not at all).
   */
  async save(alongside?: (sql: SqlInTransaction) => Promise<void>): Promise<void> {
    await this.flushWith(alongside);
  }

  private async flushWith(alongside?: (sql: SqlInTransaction) => Promise<void>): Promise<void> {
    if (!alongside) return guard(() => this.em.flush());
    await guard(async () => {
      await this.em.begin();
      try {
        await this.em.flush();
        await alongside((sql, params) => this.em.getConnection().execute(sql, params, 'all', this.em.getTransactionContext()));
        await this.em.commit();
      } catch (error) {
        await this.em.rollback();
        throw error;
      }
    });
  }

  /** Rows of a statement of plain SQL (`?` placeholders), outside any transaction: one statement is atomic by itself. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return guard(() => this.em.getConnection().execute<T[]>(sql, params));
  }

  /** A statement outside any transaction (reads of other tables beside the files: storage_usage). */
  readonly sql: SqlInTransaction = (sql, params) => guard(() => this.em.getConnection().execute(sql, params));

  /** Pushes a PENDING file's reservation forward, without loading it (a streamed upload in progress). */
  async extendReservation(id: string, until: Date): Promise<void> {
    await guard(() => this.em.getConnection().execute(`update files set upload_expires_at = ? where id = ? and status = 'PENDING'`, [until, id]));
  }

  async remove(file: FileEntity): Promise<void> {
    await guard(() => this.em.removeAndFlush(file));
  }

  /** Keyset pagination in any sort order: cost does not grow with the cursor's depth. */
  async page(query: ListQuery): Promise<Page> {
    return guard(() => this.runPage(query));
  }

  // Plain SQL, its parameters bound by the driver: the query builder spent more CPU
  // composing these statements than PostgreSQL spends running them (BENCHMARKS.md).
  private async runPage(query: ListQuery): Promise<Page> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: string, ...values: unknown[]) => {
      conditions.push(condition);
      params.push(...values);
    };
    const status = statusCondition(query.statuses);
    where(status.sql, ...status.params);
    if (query.statuses.length > 1 && query.ownerId !== query.ownerOfUnfinished) {
      where(`(status not in ('${FileStatus.PROCESSING}', '${FileStatus.QUARANTINED}') or owner_id = ?)`, query.ownerOfUnfinished);
    }
    if (query.ownerId !== null) where('owner_id = ?', query.ownerId);
    if (query.folder) where('folder = ?', query.folder);
    if (query.folderPrefix) where('folder like ?', `${escapeLike(query.folderPrefix)}%`);
    if (query.contentTypePrefix) where('content_type like ?', `${escapeLike(query.contentTypePrefix.toLowerCase())}%`);
    if (query.search) where('original_name ilike ?', `%${escapeLike(query.search)}%`);
    if (query.metadataContains) where('metadata @> ?::jsonb', JSON.stringify(query.metadataContains));
    const filter = conditions.join(' and ');
    const filterParams = [...params];

    // The id breaks ties, so that files with the same name, size or time are neither skipped nor repeated.
    const column = SORT_COLUMNS[query.order.field];
    const direction = query.order.direction === 'DESC' ? 'desc' : 'asc';
    if (query.after) where(`(${column}, id) ${direction === 'desc' ? '<' : '>'} (?, ?)`, query.after.value, query.after.id);
    const connection = this.em.getConnection();
    const rows = await connection.execute<FileRow[]>(
      `select * from files where ${conditions.join(' and ')} order by ${column} ${direction}, id ${direction} limit ?`,
      [...params, query.first + 1],
    );
    const countTotal = async () => {
      const [{ count }] = await guard(() => connection.execute<{ count: number }[]>(`select count(*)::int as count from files where ${filter}`, filterParams));
      return count;
    };
    return { files: rows.slice(0, query.first).map(fileRecord), hasNextPage: rows.length > query.first, countTotal };
  }
}

// Server gone, shutting down, or not reachable: SQLSTATE classes 08 and 57P, or the socket's own errors.
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|connection timeout|timeout exceeded when trying to connect/i;

/**
 * The database's outages become the client's "try again later". A value the
 * database refuses (SQLSTATE class 22, or 08P01: MikroORM writes values into the
 * statement, and a NUL there breaks the protocol message) is bad input that got
 * past the checks at the edge: the client's error, never an outage alert.
 * Everything else stays as it is.
 */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (/^22|^08P01$/.test(code ?? '')) throw Errors.badInput('A value in the request cannot be stored or searched for');
    if (error instanceof ConnectionException || /^(08|57P)/.test(code ?? '') || UNREACHABLE.test(message ?? '')) {
      throw Errors.databaseUnavailable(error);
    }
    throw error;
  }
}

/**
 * A file past its expiry reads as deleted: out of every list but the trash, and
 * in the trash though its row still says AVAILABLE, until the purge removes it.
 * These two conditions say so in SQL, for every statement that must agree.
 */
export const NOT_EXPIRED = '(expires_at is null or expires_at > now())';
export const IN_TRASH = `(status = '${FileStatus.DELETED}' or (expires_at <= now() and status <> '${FileStatus.PENDING}'))`;

function statusCondition(statuses: readonly FileStatus[]): { sql: string; params: unknown[] } {
  const live = statuses.filter((status) => status !== FileStatus.DELETED);
  const sql = [
    ...(live.length ? [`(status = any(?::file_status[]) and ${NOT_EXPIRED})`] : []),
    ...(statuses.includes(FileStatus.DELETED) ? [IN_TRASH] : []),
  ];
  return { sql: `(${sql.join(' or ')})`, params: live.length ? [`{${live.join(',')}}`] : [] };
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
