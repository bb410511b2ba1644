import { Errors } from '../errors';

/** Opaque to clients: the keyset position (creation time, id) of the last file seen. */
export function encodeCursor(file: { createdAt: Date; id: string }): string {
  return Buffer.from(`${file.createdAt.toISOString()}|${file.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time);
  if (extra !== undefined || !id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw Errors.badInput('The cursor is not valid');
  }
  return { createdAt, id };
}
