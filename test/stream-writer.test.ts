import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PART_SIZE, PARTS_IN_FLIGHT } from '../src/storage/s3-storage';
import { untimed, writeStream } from '../src/storage/stream-writer';
import { createTestResources, type TestResources } from './support/test-server';

// The writer behind every streamed upload, against the real storage: part boundaries, failures.
let resources: TestResources;
beforeAll(async () => {
  resources = await createTestResources();
});
afterAll(() => resources.remove());

const sizes = { partSize: PART_SIZE, partsInFlight: PARTS_IN_FLIGHT };

/** The bytes in chunks of an awkward size, as a socket would deliver them. */
function chunked(bytes: Buffer, chunk = 65_519): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  })());
}

async function stored(key: string): Promise<Buffer> {
  const answer = await resources.s3.send(new GetObjectCommand({ Bucket: resources.bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

it.each([
  ['one byte', 1],
  ['one byte less than a part', PART_SIZE - 1],
  ['exactly one part (a single PUT)', PART_SIZE],
  ['one byte more than a part (a 1-byte last part)', PART_SIZE + 1],
  ['exactly two parts', 2 * PART_SIZE],
  ['more parts than are sent at once', (PARTS_IN_FLIGHT + 2) * PART_SIZE + 12_345],
])('stores %s byte for byte', async (_case, size) => {
  const bytes = randomBytes(size);
  const key = `writer/${size}`;
  await writeStream(resources.s3, { Bucket: resources.bucket, Key: key, ContentType: 'application/octet-stream' }, chunked(bytes), sizes, untimed);
  expect(sha(await stored(key))).toBe(sha(bytes));
});

it('aborts the multipart upload when the body fails, leaving no object and no parts', async () => {
  const failure = new Error('the client went away');
  const body = Readable.from((async function* () {
    for (let i = 0; i < 3 * 16; i++) yield randomBytes(PART_SIZE / 16);
    throw failure;
  })());
  const key = 'writer/failed';
  await expect(writeStream(resources.s3, { Bucket: resources.bucket, Key: key, ContentType: 'application/octet-stream' }, body, sizes, untimed)).rejects.toBe(failure);
  const objects = await resources.s3.send(new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: key }));
  const uploads = await resources.s3.send(new ListMultipartUploadsCommand({ Bucket: resources.bucket, Prefix: key }));
  expect([objects.KeyCount ?? 0, uploads.Uploads ?? []]).toEqual([0, []]);
});
