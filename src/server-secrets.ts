import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * A signing key every instance shares, made once by whichever instance asks first
 * and kept in the database: signed URLs need no configuration and survive restarts.
 */
export async function serverSecret(em: EntityManager, name: string): Promise<Buffer> {
  const connection = em.getConnection();
  await connection.execute('insert into server_secrets (name, value, created_at) values (?, ?, now()) on conflict (name) do nothing', [name, randomBytes(32).toString('base64url')]);
  const [row] = await connection.execute<{ value: string }[]>('select value from server_secrets where name = ?', [name]);
  return Buffer.from(row.value, 'base64url');
}
