import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildFileSchema } from './schema';

/** schema.graphql's text: sorted, so that it changes only when the schema does. */
export async function printFileSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildFileSchema()))}\n`;
}
