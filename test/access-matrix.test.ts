import { randomBytes, randomUUID } from 'node:crypto';
import { fixtures } from './support/fixtures';
import { someUser, startTestServer, type TestServer } from './support/test-server';

/*
 * The access-control matrix (issue 5, part 6): every query, every mutation and the
 * download route, as the owner, another user, an administrator and an anonymous
 * caller, on a private file, a public file, a soft-deleted file (it was public), a
 * pending resumable upload and a missing id. The expected answers come from API.md
 * and the README ("Authentication and access", "Behaviour where API.md is silent"):
 *
 * - someone else's invisible file answers exactly like a missing one;
 * - a public AVAILABLE file is readable by anyone (file, presignedUrl, fileMetadata,
 *   download, copyFile with a token) but changing it is FORBIDDEN to others;
 * - administrators see and change everything, except resumable uploads: only the
 *   owner may list, sign, complete or abort them (NOT_FOUND for anyone else);
 * - deleted and pending files answer NOT_FOUND to presignedUrl, fileMetadata,
 *   download and copyFile, while `file` still shows them to owner and admin;
 * - every mutation needs a token (UNAUTHENTICATED), and so does `files`.
 *
 * Answers: an error code, "ok", "shown"/"null" (file), "listed"/"not listed" (files).
 */

const TARGETS = ['private', 'public', 'deleted', 'pending', 'missing'] as const;
const CALLERS = ['owner', 'other', 'admin', 'anonymous'] as const;
type Target = (typeof TARGETS)[number];
type Caller = (typeof CALLERS)[number];
/** One answer per target, in the order of TARGETS. */
type Row = [private_: string, public_: string, deleted: string, pending: string, missing: string];

const NF = 'NOT_FOUND';
const UNAUTH = 'UNAUTHENTICATED';
const BAD = 'BAD_USER_INPUT';
const FORBIDDEN = 'FORBIDDEN';
const nobody: Row = [NF, NF, NF, NF, NF];
const noToken: Row = [UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH];

// prettier-ignore
const ON_FILES: Record<string, Partial<Record<Caller, Row>>> = {
  //                                 private    public     deleted    pending    missing
  'file':                    { owner: ['shown',   'shown',   'shown',   'shown',   'null'],
                               other: ['null',    'shown',   'null',    'null',    'null'],
                               admin: ['shown',   'shown',   'shown',   'shown',   'null'],
                           anonymous: ['null',    'shown',   'null',    'null',    'null'] },
  'files (includeDeleted)':  { owner: ['listed',  'listed',  'listed',  'not listed', 'not listed'],
                               other: ['not listed', 'not listed', 'not listed', 'not listed', 'not listed'],
                               admin: ['listed',  'listed',  'listed',  'not listed', 'not listed'],
                           anonymous: noToken },
  'presignedUrl':            { owner: ['ok',      'ok',      NF,        NF,        NF],
                               other: [NF,        'ok',      NF,        NF,        NF],
                               admin: ['ok',      'ok',      NF,        NF,        NF],
                           anonymous: [NF,        'ok',      NF,        NF,        NF] },
  'fileMetadata':            { owner: ['ok',      'ok',      NF,        NF,        NF],
                               other: [NF,        'ok',      NF,        NF,        NF],
                               admin: ['ok',      'ok',      NF,        NF,        NF],
                           anonymous: [NF,        'ok',      NF,        NF,        NF] },
  'GET /files/:id/download': { owner: ['ok',      'ok',      NF,        NF,        NF],
                               other: [NF,        'ok',      NF,        NF,        NF],
                               admin: ['ok',      'ok',      NF,        NF,        NF],
                           anonymous: [NF,        'ok',      NF,        NF,        NF] },
  // Resuming an upload is its owner's business: anonymous callers are asked for a token first.
  'uploadedParts':           { owner: [NF,        NF,        NF,        'ok',      NF],
                               other: nobody,
                               admin: nobody,
                           anonymous: noToken },
  'completeUpload':          { owner: ['ok',      'ok',      NF,        BAD,       NF],
                               other: nobody,
                               admin: ['ok',      'ok',      NF,        BAD,       NF],
                           anonymous: noToken },
  'copyFile':                { owner: ['ok',      'ok',      NF,        NF,        NF],
                               other: [NF,        'ok',      NF,        NF,        NF],
                               admin: ['ok',      'ok',      NF,        NF,        NF],
                           anonymous: noToken },
  'updateFile':              { owner: ['ok',      'ok',      'ok',      'ok',      NF],
                               other: [NF,        FORBIDDEN, NF,        NF,        NF],
                               admin: ['ok',      'ok',      'ok',      'ok',      NF],
                           anonymous: noToken },
  'deleteFile':              { owner: ['ok',      'ok',      'ok',      'ok',      NF],
                               other: [NF,        FORBIDDEN, NF,        NF,        NF],
                               admin: ['ok',      'ok',      'ok',      'ok',      NF],
                           anonymous: noToken },
  'deleteFile(hardDelete)':  { owner: ['ok',      'ok',      'ok',      'ok',      NF],
                               other: [NF,        FORBIDDEN, NF,        NF,        NF],
                               admin: ['ok',      'ok',      'ok',      'ok',      NF],
                           anonymous: noToken },
  'restoreFile':             { owner: [BAD,       BAD,       'ok',      BAD,       NF],
                               other: [NF,        FORBIDDEN, NF,        NF,        NF],
                               admin: [BAD,       BAD,       'ok',      BAD,       NF],
                           anonymous: noToken },
  'signUploadParts':         { owner: [NF,        NF,        NF,        'ok',      NF],
                               other: nobody,
                               admin: nobody,
                           anonymous: noToken },
  // With a part that was never uploaded: the owner gets as far as the part check.
  'completeMultipartUpload': { owner: [NF,        NF,        NF,        BAD,       NF],
                               other: nobody,
                               admin: nobody,
                           anonymous: noToken },
  'abortUpload':             { owner: [NF,        NF,        NF,        'ok',      NF],
                               other: nobody,
                               admin: nobody,
                           anonymous: noToken },
};

/** Operations that take no file: the answer depends on the caller alone. */
// prettier-ignore
const WITHOUT_FILE: Record<string, Record<Caller, string>> = {
  //                          owner   other   admin   anonymous
  'uploadConfig':           { owner: 'ok', other: 'ok', admin: 'ok', anonymous: 'ok' },
  'uploadFile':             { owner: 'ok', other: 'ok', admin: 'ok', anonymous: UNAUTH },
  'requestUpload':          { owner: 'ok', other: 'ok', admin: 'ok', anonymous: UNAUTH },
  'requestMultipartUpload': { owner: 'ok', other: 'ok', admin: 'ok', anonymous: UNAUTH },
};

/** These change their target (or remove it): each row gets targets of its own. */
const MUTATES_TARGET = new Set(['deleteFile', 'deleteFile(hardDelete)', 'restoreFile', 'abortUpload']);

// ---------------------------------------------------------------- the server, the callers, the targets

let server: TestServer;
const owner = someUser();
const other = someUser();
const admin = `admin-${randomUUID()}`;
const authorization: Partial<Record<Caller, string>> = {};

interface Fixture {
  id: string;
  /** Unique, so that `files(search:)` finds exactly this file (and copies of it). */
  name: string;
}
type Fixtures = Record<Target, Fixture>;
let shared: Fixtures;

beforeAll(async () => {
  server = await startTestServer();
  authorization.owner = `Bearer ${await server.token(owner)}`;
  authorization.other = `Bearer ${await server.token(other)}`;
  authorization.admin = `Bearer ${await server.token(admin, { admin: true })}`;
  shared = await makeFixtures();
});
afterAll(() => server.stop());

async function graphql(caller: Caller, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization[caller]) headers.authorization = authorization[caller]!;
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return response.json();
}

async function uploadAs(caller: Caller, name: string, input: Record<string, unknown> = {}): Promise<any> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation ($f: Upload!, $i: UploadFileInput) { uploadFile(file: $f, input: $i) { id } }', variables: { f: null, i: input } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([new Uint8Array(fixtures.png)]), name);
  const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
  if (authorization[caller]) headers.authorization = authorization[caller]!;
  return (await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers })).json();
}

function must(json: any, field: string): any {
  if (json.errors) throw new Error(`fixture: ${JSON.stringify(json.errors)}`);
  return json.data[field];
}

const REQUEST_MULTIPART = 'mutation ($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { id } } }';

/** A private, a public, a soft-deleted (once public) file and a pending resumable upload of the owner, and a missing id. */
async function makeFixtures(): Promise<Fixtures> {
  const tag = randomBytes(5).toString('hex');
  const name = (target: Target) => `matrix-${tag}-${target}.png`;
  const [privateFile, publicFile, deletedFile, pending] = await Promise.all([
    uploadAs('owner', name('private')).then((json) => must(json, 'uploadFile')),
    uploadAs('owner', name('public'), { isPublic: true }).then((json) => must(json, 'uploadFile')),
    uploadAs('owner', name('deleted'), { isPublic: true }).then((json) => must(json, 'uploadFile')),
    graphql('owner', REQUEST_MULTIPART, { i: { filename: name('pending'), contentType: 'image/png', size: fixtures.png.length } }).then((json) => must(json, 'requestMultipartUpload').file),
  ]);
  must(await graphql('owner', 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: deletedFile.id }), 'deleteFile');
  return {
    private: { id: privateFile.id, name: name('private') },
    public: { id: publicFile.id, name: name('public') },
    deleted: { id: deletedFile.id, name: name('deleted') },
    pending: { id: pending.id, name: name('pending') },
    missing: { id: randomUUID(), name: name('missing') },
  };
}

/** An error code, or "ok" when the field answered. */
function codeOr(json: any, ok = 'ok'): string {
  return json.errors?.[0]?.extensions?.code ?? ok;
}

const ID_OPERATIONS: Record<string, (caller: Caller, target: Fixture) => Promise<string>> = {
  'file': async (caller, target) => {
    const json = await graphql(caller, 'query ($id: ID!) { file(id: $id) { id status } }', { id: target.id });
    return codeOr(json, json.data?.file ? 'shown' : 'null');
  },
  'files (includeDeleted)': async (caller, target) => {
    const json = await graphql(caller, 'query ($s: String) { files(filter: { search: $s, includeDeleted: true }, first: 100) { edges { node { id } } } }', { s: target.name });
    const ids = (json.data?.files.edges ?? []).map((edge: any) => edge.node.id);
    return codeOr(json, ids.includes(target.id) ? 'listed' : 'not listed');
  },
  'presignedUrl': async (caller, target) => codeOr(await graphql(caller, 'query ($id: ID!) { presignedUrl(id: $id) { url } }', { id: target.id })),
  'fileMetadata': async (caller, target) => codeOr(await graphql(caller, 'query ($id: ID!) { fileMetadata(id: $id) { fileSize } }', { id: target.id })),
  'GET /files/:id/download': async (caller, target) => {
    const headers: Record<string, string> = authorization[caller] ? { authorization: authorization[caller]! } : {};
    const response = await fetch(`${server.url}/files/${target.id}/download`, { headers });
    if (response.status === 200) {
      return Buffer.from(await response.arrayBuffer()).equals(fixtures.png) ? 'ok' : 'ok, but other bytes';
    }
    const code = ((await response.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
    const expectedStatus = { NOT_FOUND: 404, UNAUTHENTICATED: 401 }[code ?? ''];
    return response.status === expectedStatus ? String(code) : `${code} with HTTP ${response.status}`;
  },
  'uploadedParts': async (caller, target) => codeOr(await graphql(caller, 'query ($id: ID!) { uploadedParts(id: $id) { partNumber } }', { id: target.id })),
  'completeUpload': async (caller, target) => codeOr(await graphql(caller, 'mutation ($id: ID!) { completeUpload(id: $id) { id } }', { id: target.id })),
  'copyFile': async (caller, target) => codeOr(await graphql(caller, 'mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: target.id })),
  'updateFile': async (caller, target) => codeOr(await graphql(caller, 'mutation ($id: ID!) { updateFile(id: $id, input: { description: "changed" }) { id } }', { id: target.id })),
  'deleteFile': async (caller, target) => {
    const json = await graphql(caller, 'mutation ($id: ID!) { deleteFile(id: $id) }', { id: target.id });
    return codeOr(json, json.data?.deleteFile === true ? 'ok' : 'answered false');
  },
  'deleteFile(hardDelete)': async (caller, target) => {
    const json = await graphql(caller, 'mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: target.id });
    return codeOr(json, json.data?.deleteFile === true ? 'ok' : 'answered false');
  },
  'restoreFile': async (caller, target) => codeOr(await graphql(caller, 'mutation ($id: ID!) { restoreFile(id: $id) { id } }', { id: target.id })),
  'signUploadParts': async (caller, target) => codeOr(await graphql(caller, 'mutation ($id: ID!) { signUploadParts(id: $id, partNumbers: [1]) { url } }', { id: target.id })),
  'completeMultipartUpload': async (caller, target) =>
    codeOr(await graphql(caller, 'mutation ($id: ID!) { completeMultipartUpload(id: $id, parts: [{ partNumber: 1, etag: "\\"0\\"" }]) { id } }', { id: target.id })),
  'abortUpload': async (caller, target) => {
    const json = await graphql(caller, 'mutation ($id: ID!) { abortUpload(id: $id) }', { id: target.id });
    return codeOr(json, json.data?.abortUpload === true ? 'ok' : 'answered false');
  },
};

const PLAIN_OPERATIONS: Record<string, (caller: Caller) => Promise<string>> = {
  'uploadConfig': async (caller) => codeOr(await graphql(caller, '{ uploadConfig { maxFileSizeBytes allowedExtensions } }')),
  'uploadFile': async (caller) => codeOr(await uploadAs(caller, `mine-${randomUUID()}.png`)),
  'requestUpload': async (caller) =>
    codeOr(await graphql(caller, 'mutation ($i: RequestUploadInput!) { requestUpload(input: $i) { url } }', { i: { filename: 'direct.png', contentType: 'image/png', size: fixtures.png.length } })),
  'requestMultipartUpload': async (caller) => codeOr(await graphql(caller, REQUEST_MULTIPART, { i: { filename: 'resumable.png', contentType: 'image/png', size: fixtures.png.length } })),
};

// ---------------------------------------------------------------- the matrix

const idRows = Object.entries(ON_FILES).flatMap(([operation, byCaller]) =>
  CALLERS.filter((caller) => byCaller[caller]).map((caller) => ({ operation, caller, expected: byCaller[caller]! })),
);
const plainRows = Object.entries(WITHOUT_FILE).flatMap(([operation, byCaller]) => CALLERS.map((caller) => ({ operation, caller, expected: byCaller[caller] })));

describe('access-control matrix', () => {
  it('covers every query, mutation and the download route', () => {
    expect(new Set([...Object.keys(ON_FILES), ...Object.keys(WITHOUT_FILE)])).toEqual(new Set([...Object.keys(ID_OPERATIONS), ...Object.keys(PLAIN_OPERATIONS)]));
    expect(Object.keys(ID_OPERATIONS).length + Object.keys(PLAIN_OPERATIONS).length).toBe(19);
  });

  it.each(idRows)('$operation as $caller: [private, public, deleted, pending, missing] → $expected', async ({ operation, caller, expected }) => {
    const targets = MUTATES_TARGET.has(operation) ? await makeFixtures() : shared;
    const answers = await Promise.all(TARGETS.map((target) => ID_OPERATIONS[operation](caller, targets[target])));
    expect(Object.fromEntries(TARGETS.map((target, i) => [target, answers[i]]))).toEqual(Object.fromEntries(TARGETS.map((target, i) => [target, expected[i]])));
  });

  it.each(plainRows)('$operation as $caller → $expected', async ({ operation, caller, expected }) => {
    expect(await PLAIN_OPERATIONS[operation](caller)).toBe(expected);
  });
});
