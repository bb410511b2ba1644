import { startStatementCounter, type StatementCounter } from '../bench/pg-statement-counter';
import { fixtures } from './support/fixtures';
import { createTestResources, someUser, startTestServer, type TestResources, type TestServer } from './support/test-server';

/**
 * What the server sends PostgreSQL, counted on the wire (the benchmark's
 * counter): a page of copies resolves `copiedFrom` in one batch, never per row.
 */
describe('SQL statements per request', () => {
  let resources: TestResources;
  let counter: StatementCounter;
  let server: TestServer;
  beforeAll(async () => {
    resources = await createTestResources();
    counter = await startStatementCounter(resources.env.DATABASE_URL!);
    server = await startTestServer({ DATABASE_URL: counter.url }, { resources });
  });
  afterAll(async () => {
    await server.stop();
    await counter.close();
    await resources.remove();
  });

  it('a page of 10 copies and their sources: the page and one batch for every copiedFrom', async () => {
    const user = someUser();
    const client = await server.client(user);
    const sources = await Promise.all([1, 2].map(async (n) => (await server.upload(user, { name: `source-${n}.png`, bytes: fixtures.png })).data!.uploadFile));
    for (let i = 0; i < 10; i++) {
      await client.request(`mutation($id: ID!) { copyFile(id: $id, input: { newFolder: "copies" }) { id } }`, { id: sources[i % 2].id });
    }

    counter.startCapture();
    const { files } = await client.request<any>(`{ files(filter: { folder: "copies" }, first: 20) { edges { node { id copiedFrom { id originalName } } } } }`);
    const statements = counter.stopCapture();

    expect(files.edges).toHaveLength(10);
    expect(new Set(files.edges.map((edge: any) => edge.node.copiedFrom.originalName))).toEqual(new Set(['source-1.png', 'source-2.png']));
    expect(statements.map(({ sql }) => sql.split(' where ')[0])).toEqual(['select * from files', 'select * from files']);
    // The batch asks for both sources at once (the array parameter is inlined by the driver, or bound).
    expect(statements[1].sql + statements[1].params.join()).toMatch(new RegExp(`${sources[0].id}.*${sources[1].id}|${sources[1].id}.*${sources[0].id}`));
  });
});
