import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config';
import { fixtures, pngOfSize } from './support/fixtures';
import { ask, nothingLeft } from './support/answers';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * UPLOAD_PROFILES (issue 17): named rules per use case, applied on every upload
 * path, with the folder and visibility coming from the profile.
 */

const PROFILES = {
  avatar: { maxFileSizeMb: 0.01, allowedExtensions: ['png'], allowedMimeTypes: ['image/png'], folder: 'avatars/{userId}', isPublic: true },
  document: { allowedExtensions: ['pdf'], allowedMimeTypes: ['application/pdf'], isPublic: false },
  scratch: { expiresInDays: 2 },
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ UPLOAD_PROFILES: JSON.stringify(PROFILES) });
});
afterAll(() => server.stop());



const gql = (user: string, query: string, variables: Record<string, unknown> = {}) => ask(server, user, query, variables);

const REQUEST = 'mutation ($i: RequestUploadInput!) { requestUpload(input: $i) { file { id folder isPublic } } }';
const REQUEST_PARTS = 'mutation ($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { id folder isPublic } } }';

describe('upload profiles', () => {
  it('tells an SPA a profile\'s rules (uploadConfig(profile)), and refuses an unknown one', async () => {
    const user = someUser();
    expect((await gql(user, '{ uploadConfig(profile: "avatar") { maxFileSizeBytes allowedExtensions allowedMimeTypes } }')).data.uploadConfig).toEqual({
      maxFileSizeBytes: Math.floor(0.01 * 1024 * 1024),
      allowedExtensions: ['png'],
      allowedMimeTypes: ['image/png'],
    });
    expect(await gql(user, '{ uploadConfig(profile: "nope") { maxFileSizeBytes } }')).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('puts a profile\'s uploads in its folder, with its visibility, on every path', async () => {
    const user = 'auth0|12345'; // an identity provider's id: its "|" becomes "_" in the folder
    const streamed = (await server.upload(user, { name: 'me.png', bytes: fixtures.png }, { profile: 'avatar' })).data!.uploadFile;
    expect(streamed).toMatchObject({ folder: 'avatars/auth0_12345', isPublic: true });
    const direct = (await gql(user, REQUEST, { i: { filename: 'me2.png', contentType: 'image/png', size: 100, profile: 'avatar' } })).data.requestUpload.file;
    expect(direct).toMatchObject({ folder: 'avatars/auth0_12345', isPublic: true });
    const parts = (await gql(user, REQUEST_PARTS, { i: { filename: 'me3.png', contentType: 'image/png', size: 5000, profile: 'avatar' } })).data.requestMultipartUpload.file;
    expect(parts).toMatchObject({ folder: 'avatars/auth0_12345', isPublic: true });
    // The same folder asked for explicitly is fine.
    expect((await server.upload(user, { name: 'me4.png', bytes: fixtures.png }, { profile: 'avatar', folder: 'avatars/auth0_12345' })).errors).toBeUndefined();
  });

  it.each([
    ['an unknown profile', { profile: 'nope' }, 'BAD_USER_INPUT'],
    ['a client folder when the profile fixes one', { profile: 'avatar', folder: 'elsewhere' }, 'BAD_USER_INPUT'],
    ['a visibility the profile does not allow', { profile: 'avatar', isPublic: false }, 'BAD_USER_INPUT'],
  ])('refuses %s on every path, leaving nothing', async (_case, input, code) => {
    const user = someUser();
    const streamed = await nothingLeft(server, () => server.upload(user, { name: 'a.png', bytes: fixtures.png }, input));
    expect(streamed.errors?.[0].extensions?.code).toBe(code);
    expect(await nothingLeft(server, () => gql(user, REQUEST, { i: { filename: 'a.png', contentType: 'image/png', size: 100, ...input } }))).toMatchObject({ code });
    expect(await nothingLeft(server, () => gql(user, REQUEST_PARTS, { i: { filename: 'a.png', contentType: 'image/png', size: 5000, ...input } }))).toMatchObject({ code });
  });

  it('applies a profile\'s size and types, which the server\'s own rules would allow', async () => {
    const user = someUser();
    const big = await nothingLeft(server, () => server.upload(user, { name: 'big.png', bytes: pngOfSize(20 * 1024) }, { profile: 'avatar' }));
    expect(big.errors?.[0].extensions?.code).toBe('FILE_TOO_LARGE');
    const pdf = await nothingLeft(server, () => server.upload(user, { name: 'doc.pdf', bytes: fixtures.pdf }, { profile: 'avatar' }));
    expect(pdf.errors?.[0].extensions?.code).toBe('UNSUPPORTED_FILE_TYPE');
    expect(await nothingLeft(server, () => gql(user, REQUEST, { i: { filename: 'big.png', contentType: 'image/png', size: 20 * 1024, profile: 'avatar' } }))).toMatchObject({ code: 'FILE_TOO_LARGE' });
    // Without the profile, the same files are fine.
    expect((await server.upload(user, { name: 'big.png', bytes: pngOfSize(20 * 1024) })).errors).toBeUndefined();
    expect((await server.upload(user, { name: 'doc.pdf', bytes: fixtures.pdf }, { profile: 'document' })).data!.uploadFile).toMatchObject({ isPublic: false });
  });
});

describe('a profile\'s expiry', () => {
  const DAY = 86_400_000;
  const expiresIn = (file: { expiresAt: string }) => Date.parse(file.expiresAt) - Date.now();
  const REQUEST_EXPIRY = 'mutation ($i: RequestUploadInput!) { requestUpload(input: $i) { file { expiresAt } } }';
  const REQUEST_PARTS_EXPIRY = 'mutation ($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { expiresAt } } }';
  const FILE = 'query ($id: ID!) { file(id: $id) { expiresAt } }';

  it('sets expiresAt on every path; a client may ask for earlier, never later', async () => {
    const user = someUser();
    const streamed = (await server.upload(user, { name: 's.png', bytes: fixtures.png }, { profile: 'scratch' })).data!.uploadFile;
    const direct = (await gql(user, REQUEST_EXPIRY, { i: { filename: 'd.png', contentType: 'image/png', size: 100, profile: 'scratch' } })).data.requestUpload.file;
    const parts = (await gql(user, REQUEST_PARTS_EXPIRY, { i: { filename: 'p.png', contentType: 'image/png', size: 5000, profile: 'scratch' } })).data.requestMultipartUpload.file;
    for (const file of [(await gql(user, FILE, { id: streamed.id })).data.file, direct, parts]) {
      expect(expiresIn(file)).toBeGreaterThan(2 * DAY - 60_000);
      expect(expiresIn(file)).toBeLessThanOrEqual(2 * DAY);
    }
    const earlier = new Date(Date.now() + DAY).toISOString();
    const later = new Date(Date.now() + 10 * DAY).toISOString();
    expect((await gql(user, REQUEST_EXPIRY, { i: { filename: 'e.png', contentType: 'image/png', size: 100, profile: 'scratch', expiresAt: earlier } })).data.requestUpload.file.expiresAt).toBe(earlier);
    expect(expiresIn((await gql(user, REQUEST_EXPIRY, { i: { filename: 'l.png', contentType: 'image/png', size: 100, profile: 'scratch', expiresAt: later } })).data.requestUpload.file)).toBeLessThanOrEqual(2 * DAY);
  });

  it('refuses an expiry that is not a positive number of days at start-up', () => {
    for (const days of [0, -1, 'soon', 100_000]) expect(() => parseConfig({ UPLOAD_PROFILES: JSON.stringify({ a: { expiresInDays: days } }) })).toThrow(/^UPLOAD_PROFILES: "a".expiresInDays/);
  });
});

describe('UPLOAD_PROFILES at start-up', () => {
  it.each([
    ['not JSON', '{nope'],
    ['not an object', '[1, 2]'],
    ['a folder template with ..', JSON.stringify({ a: { folder: '../{userId}' } })],
    ['an absolute folder', JSON.stringify({ a: { folder: '/avatars' } })],
    ['an unknown placeholder', JSON.stringify({ a: { folder: 'x/{tenant}' } })],
    ['an unknown field', JSON.stringify({ a: { maxSizeMb: 2 } })],
    ['a size over S3_MAX_FILE_SIZE_MB', JSON.stringify({ a: { maxFileSizeMb: 101 } })],
    ['a bad name', JSON.stringify({ 'a b': {} })],
    ['isPublic not a boolean', JSON.stringify({ a: { isPublic: 'yes' } })],
    ['a file that does not exist', '/nonexistent/profiles.json'],
  ])('stops on %s with one line naming UPLOAD_PROFILES', (_case, value) => {
    expect(() => parseConfig({ UPLOAD_PROFILES: value })).toThrow(/^UPLOAD_PROFILES: /);
  });

  it('reads profiles from a file when given a path', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'profiles-')), 'profiles.json');
    await writeFile(file, JSON.stringify(PROFILES));
    const config = parseConfig({ UPLOAD_PROFILES: file });
    expect(config.uploadProfiles.get('avatar')).toMatchObject({ folder: 'avatars/{userId}', isPublic: true, allowedExtensions: ['png'] });
  });
});
