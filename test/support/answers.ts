import { ClientError } from 'graphql-request';
import type { TestServer } from './test-server';

export interface Answer {
  data?: any;
  code?: string;
  message?: string;
}

/** A GraphQL request as `user`, answered either way: its data, or its first error's code and message. */
export async function ask(server: TestServer, user: string, query: string, variables: Record<string, unknown> = {}, options: { admin?: boolean } = {}): Promise<Answer> {
  try {
    return { data: await (await server.client(user, options)).request<any>(query, variables) };
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    const first = error.response.errors?.[0];
    return { code: first?.extensions?.code as string | undefined, message: first?.message };
  }
}

/** Runs `work` and checks that the files table and the bucket are as they were: what a refusal must leave. */
export async function nothingLeft<T>(server: TestServer, work: () => Promise<T>): Promise<T> {
  const rows = await server.rowCount();
  const keys = await server.objectKeys();
  const result = await work();
  expect(await server.rowCount()).toBe(rows);
  expect(await server.objectKeys()).toEqual(keys);
  return result;
}
