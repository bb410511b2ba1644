import { Errors } from '../errors';

/** Opaque to clients: the keyset position (creation time, id) of the last file seen. */
export function encodeCursor(file: { createdAt: Date; id: string }): string {
  return Buffer.from(`${file.createdAt.toISOString()}|${file.id}`).toString('base64url');
}

// Exactly what encodeCursor writes: toISOString() of a year 0000-9999, and a lower-case UUID.
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * A cursor that encodeCursor could not have written is BAD_USER_INPUT: dates that
 * JavaScript parses but PostgreSQL refuses (+275760-09-13, year 0), ids of dashes.
 */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const createdAt = new Date(match?.[1] ?? NaN);
  // The round trip refuses dates that only look right (2026-02-30) and the year 0, which PostgreSQL cannot hold.
  if (!match || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== match[1] || createdAt.getUTCFullYear() < 1) {
    throw Errors.badInput('The cursor is not valid');
  }
  return { createdAt, id: match[2] };
}
