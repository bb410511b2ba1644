import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * Operations are executed compiled (graphql-jit, src/graphql/compiled-execution.ts),
 * one compilation per query text and operation name, reused with other variables.
 * What a client sees must be what graphql-js answers; the other suites check the
 * answers of every operation, these the parts that a cache of compiled operations
 * could get wrong.
 */
describe('compiled execution', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function post(userId: string, body: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(userId)}` },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  it('runs the operation a request names, when one text holds several, each time', async () => {
    const user = someUser();
    await server.upload(user, { name: 'one.png', bytes: fixtures.png });
    const query = 'query Count { files { totalCount } } query Limits { uploadConfig { maxFileSizeBytes } }';
    for (let round = 0; round < 2; round++) {
      expect(await post(user, { query, operationName: 'Count' })).toEqual({ data: { files: { totalCount: 1 } } });
      expect(await post(user, { query, operationName: 'Limits' })).toEqual({ data: { uploadConfig: { maxFileSizeBytes: server.config.upload.maxFileSizeBytes } } });
    }
  });

  it('answers the same text with each request’s variables and caller', async () => {
    const [alice, bob] = [someUser(), someUser()];
    const uploaded = await Promise.all(['a.png', 'b.png', 'c.png'].map(async (name) => (await server.upload(alice, { name, bytes: fixtures.png })).data!.uploadFile));
    const query = 'query ($first: Int) { files(first: $first) { edges { node { originalName } } totalCount } }';
    const names = (answer: any) => answer.data.files.edges.map((edge: any) => edge.node.originalName);

    expect(names(await post(alice, { query, variables: { first: 1 } }))).toEqual(['c.png']);
    expect(names(await post(alice, { query, variables: { first: 3 } }))).toEqual(['c.png', 'b.png', 'a.png']);
    expect(await post(bob, { query, variables: { first: 3 } })).toEqual({ data: { files: { edges: [], totalCount: 0 } } });
    expect(uploaded).toHaveLength(3);
  });

  it('keeps what a resolver refused: its code, message, location and path', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const query = 'query ($id: ID!) { uploadConfig { maxFileSizeBytes } presignedUrl(id: $id) { url } }';
    const answer = await post(someUser(), { query, variables: { id: missing } });

    expect(answer.data).toEqual(null); // presignedUrl is non-null: the error reaches the root
    expect(answer.errors).toEqual([{ message: expect.stringContaining('not found'), locations: [{ line: 1, column: query.indexOf('presignedUrl') + 1 }], path: ['presignedUrl'], extensions: { code: 'NOT_FOUND' } }]);
  });

  it('refuses a variable of the wrong type as bad input, before anything runs', async () => {
    const answer = await post(someUser(), { query: 'query ($first: Int) { files(first: $first) { totalCount } }', variables: { first: 'ten' } });

    expect(answer.data).toBeUndefined();
    expect(answer.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('$first'), extensions: { code: 'BAD_USER_INPUT' } })]);
  });
});
