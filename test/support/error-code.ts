import { ClientError } from 'graphql-request';

/** The extensions.code of the first error of a request that must fail. */
export async function errorCode(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
  } catch (error) {
    if (error instanceof ClientError) return error.response.errors?.[0].extensions?.code as string;
    throw error;
  }
  throw new Error('The request succeeded');
}
