import type { BenchContext } from './bench-context';
import type { GraphQLClient } from './graphql-client';
import { pngFile } from './test-files';
import { uploadThroughServer } from './transfers';

const COPY = 'mutation ($id: ID!) { copyFile(id: $id, input: { newFolder: "copies" }) { id } }';

/**
 * One uploaded file and a chain of copies, each copied from the one before: every
 * file on a page then has a different copiedFrom, so the DataLoader has a whole
 * page of ids to batch, the heaviest case for it. Made through the API.
 */
export async function seedCopyChain(bench: BenchContext, client: GraphQLClient, copies: number): Promise<string[]> {
  const file = await pngFile(bench.scratch, 4096);
  const { value } = await uploadThroughServer(bench.server.url, client.token, file, { folder: 'originals' });
  const ids = [value.id];
  for (let i = 0; i < copies; i++) {
    const { copyFile } = await client.request(COPY, { id: ids.at(-1) });
    ids.push(copyFile.id);
  }
  return ids;
}
