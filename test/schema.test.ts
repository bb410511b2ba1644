import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { printFileSchema } from '../src/graphql/print-schema';

describe('schema.graphql', () => {
  it('is the schema the server builds (run `npm run schema:emit` after changing it)', async () => {
    const committed = await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(await printFileSchema()).toBe(committed);
  });

  it('has every operation of API.md', async () => {
    const schema = await printFileSchema();
    for (const name of ['file(', 'files(', 'presignedUrl(', 'fileMetadata(', 'uploadConfig(', 'storageUsage(', 'setQuota(', 'uploadFile(', 'requestUpload(', 'completeUpload(', 'copyFile(', 'updateFile(', 'deleteFile(', 'restoreFile(']) {
      expect(schema).toContain(`  ${name}`);
    }
  });
});
