import { Errors } from '../errors';

export type FileOrderField = 'CREATED_AT' | 'UPDATED_AT' | 'NAME' | 'SIZE';
export type SortDirection = 'ASC' | 'DESC';

export interface FileOrder {
  field: FileOrderField;
  direction: SortDirection;
}

export const NEWEST_FIRST: FileOrder = { field: 'CREATED_AT', direction: 'DESC' };

/** Where a page ended in one sort order: the last file's sort value, and its id to break ties. */
export interface Position {
  value: Date | string | number;
  id: string;
}

interface Sortable {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  originalName: string;
  size: number;
}

/** The value a file is sorted by in this order. */
export function sortValue(file: Sortable, order: FileOrder): Position['value'] {
  switch (order.field) {
    case 'CREATED_AT':
      return file.createdAt;
    case 'UPDATED_AT':
      return file.updatedAt;
    case 'NAME':
      return file.originalName;
    case 'SIZE':
      return file.size;
  }
}

/**
 * Opaque to clients: the order it was written for, then the keyset position of the
 * last file seen. The order is part of it so that a cursor of one order is never
 * read as a position in another.
 */
export function encodeCursor(file: Sortable, order: FileOrder = NEWEST_FIRST): string {
  return cursorAt({ value: sortValue(file, order), id: file.id }, order);
}

export function cursorAt({ value, id }: Position, order: FileOrder = NEWEST_FIRST): string {
  const text = value instanceof Date ? value.toISOString() : String(value);
  return Buffer.from(`${order.field}.${order.direction}|${text}|${id}`).toString('base64url');
}

// Exactly what encodeCursor writes: toISOString() of a year 0000-9999, a size, and a lower-case UUID.
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SIZE = /^\d{1,16}$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_NAME = 1024;

/**
 * A cursor that encodeCursor could not have written for this order is
 * BAD_USER_INPUT: another order's, dates that JavaScript parses but PostgreSQL
 * refuses (+275760-09-13, year 0), ids of dashes.
 */
export function decodeCursor(cursor: string, order: FileOrder = NEWEST_FIRST): Position {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const tagEnd = text.indexOf('|');
  const idStart = text.lastIndexOf('|');
  if (tagEnd < 0 || idStart <= tagEnd) throw Errors.badInput('The cursor is not valid');
  const tag = text.slice(0, tagEnd);
  if (tag !== `${order.field}.${order.direction}`) {
    throw Errors.badInput(/^[A-Z_]+\.(ASC|DESC)$/.test(tag) ? 'The cursor belongs to another sort order: start again from the first page' : 'The cursor is not valid');
  }
  const raw = text.slice(tagEnd + 1, idStart);
  const id = text.slice(idStart + 1);
  if (!ID.test(id)) throw Errors.badInput('The cursor is not valid');
  return { value: valueOf(order.field, raw), id };
}

function valueOf(field: FileOrderField, raw: string): Position['value'] {
  if (field === 'NAME') {
    if (raw.length > MAX_NAME || raw.includes('\u0000')) throw Errors.badInput('The cursor is not valid');
    return raw;
  }
  if (field === 'SIZE') {
    if (!SIZE.test(raw) || !Number.isSafeInteger(Number(raw))) throw Errors.badInput('The cursor is not valid');
    return Number(raw);
  }
  const date = new Date(DATE.test(raw) ? raw : NaN);
  // The round trip refuses dates that only look right (2026-02-30) and the year 0, which PostgreSQL cannot hold.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== raw || date.getUTCFullYear() < 1) throw Errors.badInput('The cursor is not valid');
  return date;
}
