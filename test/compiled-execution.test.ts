import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/**
 * Operations are executed compiled (graphql-jit, src/graphql/compiled-execution.ts)
 * from the second time a query text and operation name are seen, by graphql-js the
 * first time. Every request here is sent three times: the first answer (graphql-js)
 * and the compiled ones must be the same. The other suites check the answers of
 * every operation; these, what a cache of compiled operations could get wrong.
 */
describe('compiled execution', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function ask(userId: string, body: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(userId)}` },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  /** The answer, the same the three times it is asked. */
  async function post(userId: string, body: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
    const answers = [await ask(userId, body), await ask(userId, body), await ask(userId, body)];
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    return answers[0];
  }

  it('runs the operation a request names, when one text holds several', async () => {
    const user = someUser();
    await server.upload(user, { name: 'one.png', bytes: fixtures.png });
    const query = 'query Count { files { totalCount } } query Limits { uploadConfig { maxFileSizeBytes } }';
    expect(await post(user, { query, operationName: 'Count' })).toEqual({ data: { files: { totalCount: 1 } } });
    expect(await post(user, { query, operationName: 'Limits' })).toEqual({ data: { uploadConfig: { maxFileSizeBytes: server.config.upload.maxFileSizeBytes } } });
  });

  it('answers the same text with each request’s variables and caller', async () => {
    const [alice, bob] = [someUser(), someUser()];
    const uploaded = [];
    for (const name of ['a.png', 'b.png', 'c.png']) uploaded.push((await server.upload(alice, { name, bytes: fixtures.png })).data!.uploadFile); // one after the other: newest first is c, b, a
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
    const user = someUser();
    const request = { query: 'query ($first: Int) { files(first: $first) { totalCount } }', variables: { first: 'ten' } };
    // The wording differs ("Expected type Int;" is graphql-jit's); the answer does not.
    for (const answer of [await ask(user, request), await ask(user, request), await ask(user, request)]) {
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Variable "\$first" got invalid value "ten"; .*Int cannot represent non-integer value/), extensions: { code: 'BAD_USER_INPUT' } })]);
    }
  });
});
