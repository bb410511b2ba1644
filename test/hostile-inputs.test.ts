import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { fixtures, pngOfSize } from './support/fixtures';
import { multipart, rawRequest, uploadParts, type Part, type RawAnswer } from './support/raw-http';
import { someUser, startTestServer, type TestServer } from './support/test-server';
import { zipOf } from './support/zip';

/*
 * The hostile-input catalogue (issue 5, part 1). Every case goes through the real
 * HTTP server and must get its documented answer AND leave the bucket and the files
 * table as they were. The few inputs that are sanitized and accepted must leave
 * exactly the one object and row that the answer names, and nothing else.
 */

let server: TestServer; // default naming: <folder>/<yyyy>/<mm>/<dd>/<uuid>_<name>, 1 MiB limit
let plain: TestServer; // original names only: no UUID, no timestamp, no date folders
let idp: TestServer; // tokens from an identity provider (JWKS)
let jwks: http.Server;
let idpKeys: Awaited<ReturnType<typeof generateKeyPair>>;
let idpPublicJwk: JWK;
/** Someone's private file, for the foreign-id cases. */
let foreign: { id: string; owner: string };

beforeAll(async () => {
  [server, plain] = await Promise.all([
    startTestServer(),
    startTestServer({ S3_USE_UUID_PREFIX: 'false', S3_USE_TIMESTAMP_PREFIX: 'false', S3_FOLDER_STRUCTURE: '' }),
  ]);
  idpKeys = await generateKeyPair('RS256');
  idpPublicJwk = { ...(await exportJWK(idpKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [idpPublicJwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  idp = await startTestServer({
    JWT_SECRET: '',
    JWT_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'files',
  });
  const owner = someUser();
  const answer = await server.upload(owner, { name: 'private.png', bytes: fixtures.png });
  foreign = { id: answer.data!.uploadFile.id, owner };
});
afterAll(async () => {
  await Promise.all([server.stop(), plain.stop(), idp.stop()]);
  jwks.close();
});

// ---------------------------------------------------------------- how cases talk to the server

interface Outcome {
  /** An error code, "ok", "stored as <name> (<type>)", "HTTP <status>" or "connection closed". */
  answer: string;
  /** Keys the case expects to have been added (accepted uploads). */
  keys?: string[];
}

const UPLOAD = 'mutation ($file: Upload!, $input: UploadFileInput) { uploadFile(file: $file, input: $input) { id originalName s3Key contentType metadata } }';
const REQUEST_UPLOAD = 'mutation ($input: RequestUploadInput!) { requestUpload(input: $input) { url headers file { id } } }';

/** The first error code of a GraphQL or download-route answer, else "ok". */
function answerOf(json: any): string {
  return json?.errors?.[0]?.extensions?.code ?? 'ok';
}

/** An accepted upload names what it stored; a refused one its code. */
function storedOrCode(json: any): Outcome {
  const file = json?.data?.uploadFile;
  if (!file) return { answer: answerOf(json) };
  return { answer: `stored as ${file.originalName} (${file.contentType})`, keys: [file.s3Key] };
}

function rawOutcome(raw: RawAnswer): Outcome {
  if (raw.json) return storedOrCode(raw.json);
  return { answer: raw.status === undefined ? 'connection closed' : `HTTP ${raw.status}` };
}

const bearer = async (user = someUser(), on = server) => `Bearer ${await on.token(user)}`;

/** A real multipart upload (FormData) of one file. */
async function upload(name: string, bytes: Buffer, input: Record<string, unknown> | null = null, options: { on?: TestServer; authorization?: string } = {}): Promise<Outcome> {
  const on = options.on ?? server;
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD, variables: { file: null, input } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${on.url}/graphql`, {
    method: 'POST',
    body: form,
    headers: { 'apollo-require-preflight': 'true', authorization: options.authorization ?? (await bearer(someUser(), on)) },
  });
  return storedOrCode(await response.json());
}

/** A hand-built multipart body: part headers exactly as given, nothing escaped. */
async function sendParts(parts: Part[], options: { contentType?: string } = {}): Promise<Outcome> {
  const body = multipart(parts);
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    body: new Uint8Array(body.body),
    headers: { 'content-type': options.contentType ?? body.contentType, 'apollo-require-preflight': 'true', authorization: await bearer() },
  });
  return storedOrCode(await response.json().catch(() => ({ errors: [{ extensions: { code: `HTTP ${response.status}` } }] })));
}

/** One upload whose file part carries `filename*=UTF-8''<encoded>` (RFC 5987) instead of a plain name. */
function withEncodedName(encoded: string, bytes: Buffer): Promise<Outcome> {
  const parts = uploadParts({ name: 'PLACEHOLDER', bytes });
  return sendRaw(parts, (head) => head.replace('filename="PLACEHOLDER"', `filename*=UTF-8''${encoded}`));
}

async function sendRaw(parts: Part[], rewriteHeaders: (text: string) => string): Promise<Outcome> {
  const body = multipart(parts);
  const rewritten = Buffer.from(rewriteHeaders(body.body.toString('latin1')), 'latin1');
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    body: new Uint8Array(rewritten),
    headers: { 'content-type': body.contentType, 'apollo-require-preflight': 'true', authorization: await bearer() },
  });
  return storedOrCode(await response.json());
}

async function graphql(query: string, variables: Record<string, unknown> = {}, options: { on?: TestServer; authorization?: string | null } = {}): Promise<any> {
  const on = options.on ?? server;
  const authorization = options.authorization === undefined ? await bearer(someUser(), on) : options.authorization;
  const response = await fetch(`${on.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

async function ask(query: string, variables: Record<string, unknown> = {}, options: { on?: TestServer; authorization?: string | null } = {}): Promise<Outcome> {
  return { answer: answerOf(await graphql(query, variables, options)) };
}

/** Sends (part of) a body over a bare socket, lying about its length as told. */
async function rawPost(body: { contentType: string; body: Buffer }, request: { contentLength?: number; sendBytes?: number; then?: 'wait' | 'end' | 'destroy'; preflight?: boolean }): Promise<Outcome> {
  const headers: Record<string, string> = { 'content-type': body.contentType, authorization: await bearer() };
  if (request.preflight !== false) headers['apollo-require-preflight'] = 'true';
  return rawOutcome(await rawRequest(server.url, { path: '/graphql', headers, body: body.body, contentLength: request.contentLength, sendBytes: request.sendBytes, then: request.then ?? 'wait' }));
}

function hs256(claims: JWTPayload, build: (jwt: SignJWT) => SignJWT = (jwt) => jwt): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  return build(jwt).sign(new TextEncoder().encode(server.config.auth.jwtSecret!));
}

function rs256(claims: { iss?: string; aud?: string } = {}, key = idpKeys.privateKey): Promise<string> {
  return new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject(someUser())
    .setIssuer(claims.iss ?? 'https://id.example')
    .setAudience(claims.aud ?? 'files')
    .setExpirationTime('5m')
    .sign(key);
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

const unique = () => randomBytes(4).toString('hex');
const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n');
const xmlSvg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n');
const javascript = Buffer.from('fetch("/graphql", { credentials: "include" });\n');
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const longName = (prefix: string) => `${prefix}${'a'.repeat(10_000 - prefix.length - 4)}.txt`;
const presign = (id: unknown, expiresIn: unknown) => ask('query ($id: ID!, $e: Int) { presignedUrl(id: $id, expiresIn: $e) { url } }', { id, e: expiresIn });
const requestUpload = (input: Record<string, unknown>) => ask(REQUEST_UPLOAD, { input: { filename: 'a.png', contentType: 'image/png', size: 100, ...input } });

// ---------------------------------------------------------------- the catalogue

interface Case {
  name: string;
  /** The documented answer. */
  expected: string;
  run: (prepared: any) => Promise<Outcome>;
  /** Done before the bucket and table are counted. */
  prepare?: () => Promise<unknown>;
  /** Which server to count (default: the one with default naming). */
  on?: () => TestServer;
}

const c = (name: string, expected: string, run: Case['run'], extra: Omit<Case, 'name' | 'expected' | 'run'> = {}): Case => ({ name, expected, run, ...extra });
const toPlain = { on: () => plain };
const toIdp = { on: () => idp };

const plainLongPrefix = `n${unique()}`;

const CATALOGUE: Case[] = [
  // -- file content and names
  c('an empty file', 'BAD_USER_INPUT', () => upload('empty.txt', Buffer.alloc(0))),
  c('a zero-length name (requestUpload filename "")', 'BAD_USER_INPUT', () => requestUpload({ filename: '' })),
  c('a name of only bidi and zero-width characters', 'BAD_USER_INPUT', () => upload('\u202E\u200B\u2066', fixtures.txt)),
  c('a name of only dots', 'BAD_USER_INPUT', () => upload('...', fixtures.txt)),
  c('a raw NUL byte in the part header\'s file name', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: 'nul\u0000.txt', bytes: fixtures.txt }))),
  c('raw control characters (BEL, ESC) in the part header\'s file name', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: 'a\u0007b\u001b[31m.txt', bytes: fixtures.txt }))),
  c('a file over the limit (1 MiB + 1 byte)', 'FILE_TOO_LARGE', () => upload('big.png', pngOfSize(1024 * 1024 + 1))),
  c('"%00" before the real extension: invoice.pdf%00.exe', 'UNSUPPORTED_FILE_TYPE', () => upload('invoice.pdf%00.exe', fixtures.exe)),
  c('a decoded NUL (filename*=shell.php%00.png) with text content', 'UNSUPPORTED_FILE_TYPE', () => withEncodedName('shell.php%00.png', fixtures.txt)),
  c('an RTL override hiding .exe: invoice\\u202Efdp.exe', 'UNSUPPORTED_FILE_TYPE', () => upload('invoice\u202Efdp.exe', fixtures.exe)),
  c('a double extension: invoice.pdf.exe', 'UNSUPPORTED_FILE_TYPE', () => upload('invoice.pdf.exe', fixtures.exe)),
  c('an executable behind a double extension: invoice.exe.pdf', 'UNSUPPORTED_FILE_TYPE', () => upload('invoice.exe.pdf', fixtures.exe)),
  c('a trailing dot that Windows drops: payload.exe.', 'UNSUPPORTED_FILE_TYPE', () => upload('payload.exe.', fixtures.exe)),
  c('a trailing space: "payload.exe "', 'UNSUPPORTED_FILE_TYPE', () => upload('payload.exe ', fixtures.exe)),
  c('a hidden file: .htaccess (no extension once the dot goes)', 'UNSUPPORTED_FILE_TYPE', () => upload('.htaccess', fixtures.txt)),
  c('a Windows reserved name with no extension: AUX', 'UNSUPPORTED_FILE_TYPE', () => upload('AUX', fixtures.txt)),
  c('a disallowed extension: page.html', 'UNSUPPORTED_FILE_TYPE', () => upload('page.html', html)),
  c('a disallowed extension: drawing.svg', 'UNSUPPORTED_FILE_TYPE', () => upload('drawing.svg', svg)),
  c('a disallowed extension: app.js', 'UNSUPPORTED_FILE_TYPE', () => upload('app.js', javascript)),
  c('MIME spoofing: PNG bytes named photo.jpg', 'UNSUPPORTED_FILE_TYPE', () => upload('photo.jpg', fixtures.png)),
  c('MIME spoofing: GIF bytes named image.png', 'UNSUPPORTED_FILE_TYPE', () => upload('image.png', fixtures.gif)),
  c('MIME spoofing: PDF bytes named report.docx', 'UNSUPPORTED_FILE_TYPE', () => upload('report.docx', fixtures.pdf)),
  c('MIME spoofing: an executable named archive.zip', 'UNSUPPORTED_FILE_TYPE', () => upload('archive.zip', fixtures.exe)),
  c('a Java archive (a ZIP with META-INF/MANIFEST.MF) named bundle.zip', 'UNSUPPORTED_FILE_TYPE', () => upload('bundle.zip', zipOf({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n' }))),
  c('an SVG with a script named image.png', 'UNSUPPORTED_FILE_TYPE', () => upload('image.png', svg)),
  c('HTML named image.png', 'UNSUPPORTED_FILE_TYPE', () => upload('image.png', html)),
  c('an XML-declared SVG named notes.txt (sniffed as XML, not text)', 'UNSUPPORTED_FILE_TYPE', () => upload('notes.txt', xmlSvg)),

  // -- names that are sanitized, then accepted: exactly one object and one row
  c('a 10 000-character name, cut to 180 bytes keeping the extension (original names only)', `stored as ${longName(plainLongPrefix).slice(0, 176)}.txt (text/plain)`, () => upload(longName(plainLongPrefix), fixtures.txt, null, { on: plain }), toPlain),
  c('a Windows reserved name: CON.txt', 'stored as _CON.txt (text/plain)', () => upload('CON.txt', fixtures.txt)),
  c('a Windows reserved name: nul.png', 'stored as _nul.png (image/png)', () => upload('nul.png', fixtures.png)),
  c('a Windows reserved name: com1.pdf', 'stored as _com1.pdf (application/pdf)', () => upload('com1.pdf', fixtures.pdf)),
  c('a Windows reserved name: LPT9.csv', 'stored as _LPT9.csv (text/csv)', () => upload('LPT9.csv', fixtures.csv)),
  c('zero-width and bidi characters inside a name', 'stored as invoice.pdf (application/pdf)', () => upload('in\u200Bvoi\u202Dce.pdf', fixtures.pdf)),
  c('control characters percent-encoded in filename* (BEL ESC DEL CR LF)', 'stored as ab_31m.txt (text/plain)', () => withEncodedName('a%07b%1B%5B31m%7F%0D%0A.txt', fixtures.txt)),
  c('a decoded NUL (filename*=shell.php%00.png) with real PNG content', 'stored as shell.php.png (image/png)', () => withEncodedName('shell.php%00.png', fixtures.png)),
  c('a ".." hidden in fullwidth characters in a name: ．．／etc／passwd.txt', 'stored as etc_passwd.txt (text/plain)', () => upload('\uFF0E\uFF0E\uFF0Fetc\uFF0Fpasswd.txt', fixtures.txt)),
  c('a URL-encoded path in a name: ..%2F..%2Fetc%2Fpasswd.txt', 'stored as 2F.._2Fetc_2Fpasswd.txt (text/plain)', () => upload('..%2F..%2Fetc%2Fpasswd.txt', fixtures.txt)),
  c('HTML content named page.txt: plain text, served as text/plain', 'stored as page.txt (text/plain)', () => upload('page.txt', html)),
  c('a ZIP with no OOXML parts named report.docx (a ZIP container is accepted)', `stored as report.docx (${DOCX})`, () => upload('report.docx', zipOf({ 'hello.txt': 'hello' }))),
  c('metadata with a "__proto__" key: kept as data, Object.prototype untouched', 'stored as meta.png (image/png); metadata keys __proto__,x; prototype clean', async () => {
    const form = new FormData();
    form.append('operations', `{"query":${JSON.stringify(UPLOAD)},"variables":{"file":null,"input":{"metadata":{"__proto__":{"polluted":true},"x":1}}}}`);
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([new Uint8Array(fixtures.png)]), 'meta.png');
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true', authorization: await bearer() } });
    const json: any = await response.json();
    const outcome = storedOrCode(json);
    const keys = Object.keys(json.data?.uploadFile?.metadata ?? {}).join(',');
    const clean = (Object.prototype as any).polluted === undefined ? 'prototype clean' : 'PROTOTYPE POLLUTED';
    return { ...outcome, answer: `${outcome.answer}; metadata keys ${keys}; ${clean}` };
  }),
  c('NFC and NFD twins of Café.txt (UUID names): one stored name', 'stored as Café.txt (text/plain) | stored as Café.txt (text/plain)', async () => {
    const [nfc, nfd] = [await upload('Caf\u00e9.txt', fixtures.txt), await upload('Cafe\u0301.txt', fixtures.txt)];
    return { answer: `${nfc.answer} | ${nfd.answer}`, keys: [...(nfc.keys ?? []), ...(nfd.keys ?? [])] };
  }),
  c('the NFD twin of an NFC name already stored (original names only)', 'CONFLICT', ({ nfd }) => upload(nfd, fixtures.txt, null, { on: plain }), {
    ...toPlain,
    prepare: async () => {
      const base = `Caf\u00e9-${unique()}`;
      const first = await upload(`${base}.txt`, fixtures.txt, null, { on: plain });
      if (!first.keys) throw new Error(`the NFC twin was refused: ${first.answer}`);
      return { nfd: `${base.normalize('NFD')}.txt` };
    },
  }),

  // -- folders: validated, never repaired
  ...[
    ['fullwidth full stops: a/．．/b', 'a/\uFF0E\uFF0E/b'],
    ['one-dot leaders: a/․․/b', 'a/\u2024\u2024/b'],
    ['a two-dot leader: a/‥/b', 'a/\u2025/b'],
    ['URL-encoded dots: a/%2e%2e/b', 'a/%2e%2e/b'],
    ['double URL-encoded dots: a/%252e%252e/b', 'a/%252e%252e/b'],
    ['fullwidth solidus: a／..／b', 'a\uFF0F..\uFF0Fb'],
    ['a zero-width space between dots: a/.\\u200B./b', 'a/.\u200B./b'],
    ['a combining accent on a dot: a/.\\u0301./b', 'a/.\u0301./b'],
    ['a NUL byte: a\\u0000b', 'a\u0000b'],
    ['an empty segment: a//b', 'a//b'],
    ['a hidden segment: .git/hooks', '.git/hooks'],
    ['a drive letter: C:/temp', 'C:/temp'],
    ['17 levels', Array(17).fill('d').join('/')],
    ['513 characters', 'x'.repeat(513)],
  ].map(([label, folder]) => c(`a folder with ${label}`, 'BAD_USER_INPUT', () => upload('a.png', fixtures.png, { folder }))),

  // -- the multipart request itself
  c('a map pointing at a missing part', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: 'a.txt', bytes: fixtures.txt }).slice(0, 2))),
  c('a file part with no operations', 'BAD_USER_INPUT', () => sendParts([{ name: '0', filename: 'a.txt', body: fixtures.txt }])),
  c('map before operations', 'BAD_USER_INPUT', () => {
    const [operations, map, file] = uploadParts({ name: 'a.txt', bytes: fixtures.txt });
    return sendParts([map, operations, file]);
  }),
  c('a map that is not JSON', 'BAD_USER_INPUT', () => {
    const [operations, , file] = uploadParts({ name: 'a.txt', bytes: fixtures.txt });
    return sendParts([operations, { name: 'map', body: '{0: variables.file' }, file]);
  }),
  c('operations that are a JSON number', 'BAD_USER_INPUT', () => {
    const [, map, file] = uploadParts({ name: 'a.txt', bytes: fixtures.txt });
    return sendParts([{ name: 'operations', body: '42' }, map, file]);
  }),
  c('a map path into the prototype: __proto__.polluted', 'BAD_USER_INPUT; prototype clean', async () => {
    const outcome = await sendParts(uploadParts({ name: 'a.txt', bytes: fixtures.txt }, { map: { 0: ['__proto__.polluted'] } }));
    return { answer: `${outcome.answer}; ${(Object.prototype as any).polluted === undefined ? 'prototype clean' : 'PROTOTYPE POLLUTED'}` };
  }),
  c('a map path to a variable that does not exist: variables.input.file', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: 'a.txt', bytes: fixtures.txt }, { map: { 0: ['variables.input.file'] } }))),
  c('a multipart Content-Type without a boundary', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: 'a.txt', bytes: fixtures.txt }), { contentType: 'multipart/form-data' })),
  c('an Upload variable sent as a plain JSON string', 'BAD_USER_INPUT', () => ask('mutation ($f: Upload!) { uploadFile(file: $f) { id } }', { f: 'a.png' })),
  c('a truncated body (Content-Length larger than sent), then the client half-closes', 'HTTP 400', () =>
    rawPost(multipart(uploadParts({ name: 'cut.png', bytes: pngOfSize(300 * 1024) })), { sendBytes: 200 * 1024, then: 'end' }),
  ),
  c('a truncated body, then the connection is reset', 'connection closed', () =>
    rawPost(multipart(uploadParts({ name: 'cut.png', bytes: pngOfSize(300 * 1024) })), { sendBytes: 200 * 1024, then: 'destroy' }),
  ),
  c('a zero-length file name in the multipart part (filename="")', 'BAD_USER_INPUT', () => sendParts(uploadParts({ name: '', bytes: fixtures.txt }))),
  c('two files for one variable (a map naming variables.file twice)', 'BAD_USER_INPUT', () =>
    sendParts([
      ...uploadParts({ name: 'first.png', bytes: pngOfSize(128 * 1024) }, { map: { 0: ['variables.file'], 1: ['variables.file'] } }),
      { name: '1', filename: 'second.png', contentType: 'image/png', body: fixtures.png },
    ]),
  ),
  c('an empty multipart body', 'BAD_USER_INPUT', () => sendParts([])),
  c('a multipart body with only unknown fields', 'BAD_USER_INPUT', () => sendParts([{ name: 'hello', body: 'world' }])),
  c('a JSON body declaring 2 GiB and sending 50 bytes', 'BAD_USER_INPUT', () =>
    rawPost({ contentType: 'application/json', body: Buffer.from('{"query":"{ uploadConfig { maxFileSizeBytes } }"}') }, { contentLength: 2 * 1024 ** 3 }),
  ),
  c('a 10 000-character filename in requestUpload (sanitized and shortened, then refused for its size only when too large)', 'FILE_TOO_LARGE', () =>
    requestUpload({ filename: longName('x'), contentType: 'text/plain', size: 2 * 1024 * 1024 }),
  ),
  c('a 200-character name with UUID naming (the key segment must fit a file system)', 'ok', async () => {
    const outcome = await upload(`${'n'.repeat(196)}.txt`, fixtures.txt);
    return { answer: outcome.answer.startsWith('stored as ') ? 'ok' : outcome.answer, keys: outcome.keys };
  }),
  c('a body far over the limit with a lying small Content-Length (400 KiB declared, 3 MiB sent)', 'HTTP 400', () =>
    rawPost(multipart(uploadParts({ name: 'big.png', bytes: pngOfSize(3 * 1024 * 1024) })), { contentLength: 400 * 1024 }),
  ),
  c('a body far over the limit with a lying huge Content-Length (10 GiB declared, 3 MiB sent)', 'FILE_TOO_LARGE', () =>
    rawPost(multipart(uploadParts({ name: 'big.png', bytes: pngOfSize(3 * 1024 * 1024) })), { contentLength: 10 * 1024 ** 3 }),
  ),
  c('a JSON body of 2 MiB (limit 1 MiB)', 'BAD_USER_INPUT', () =>
    rawPost({ contentType: 'application/json', body: Buffer.from(JSON.stringify({ query: '{ uploadConfig { maxFileSizeBytes } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } })) }, {}),
  ),
  c('a JSON body with a lying small Content-Length (100 declared, 2 MiB sent)', 'HTTP 400', () =>
    rawPost({ contentType: 'application/json', body: Buffer.from(JSON.stringify({ query: '{ uploadConfig { maxFileSizeBytes } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } })) }, { contentLength: 100 }),
  ),

  // -- metadata
  c('metadata of 1 MB in a JSON request (requestUpload)', 'BAD_USER_INPUT', () => requestUpload({ metadata: { blob: 'x'.repeat(1_000_000) } })),
  c('metadata of 1 MB in multipart variables (uploadFile)', 'BAD_USER_INPUT', () => upload('a.png', fixtures.png, { metadata: { blob: 'x'.repeat(1_000_000) } })),
  c('metadata nested 1 000 levels deep (JSON variables)', 'BAD_USER_INPUT', () => requestUpload({ metadata: nested(1000) })),
  c('metadata nested 1 000 levels deep, as a JSON string (uploadFile)', 'BAD_USER_INPUT', () => upload('a.png', fixtures.png, { metadata: JSON.stringify(nested(1000)) })),
  c('metadata nested 33 levels deep (limit 32)', 'BAD_USER_INPUT', () => upload('a.png', fixtures.png, { metadata: nested(33) })),
  c('metadata that is a JSON string holding a number', 'BAD_USER_INPUT', () => upload('a.png', fixtures.png, { metadata: '42' })),

  // -- arguments
  c('expiresIn as a float (1.5)', 'BAD_USER_INPUT', () => presign(foreign.id, 1.5)),
  c('expiresIn as a string ("60")', 'BAD_USER_INPUT', () => presign(foreign.id, '60')),
  c('expiresIn past 32 bits (2^31)', 'BAD_USER_INPUT', () => presign(foreign.id, 2 ** 31)),
  c('a declared size as a float (1.5)', 'BAD_USER_INPUT', () => requestUpload({ size: 1.5 })),
  c('a declared size as a string ("10")', 'BAD_USER_INPUT', () => requestUpload({ size: '10' })),
  c('a declared size past 2^53', 'BAD_USER_INPUT', () => requestUpload({ size: 2 ** 53 })),
  c('a declared text/html type for a .txt name', 'UNSUPPORTED_FILE_TYPE', () => requestUpload({ filename: 'a.txt', contentType: 'text/html' })),
  c('a direct upload declared as PNG whose PUT brings HTML (completeUpload)', 'UNSUPPORTED_FILE_TYPE', async () => {
    const authorization = await bearer();
    const ticket = (await graphql(REQUEST_UPLOAD, { input: { filename: 'photo.png', contentType: 'image/png', size: html.length } }, { authorization })).data.requestUpload;
    const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(html) });
    if (put.status !== 200) return { answer: `PUT answered ${put.status}` };
    return ask('mutation ($id: ID!) { completeUpload(id: $id) { id } }', { id: ticket.file.id }, { authorization });
  }),

  // -- ids
  c('a foreign id (someone else\'s private file): presignedUrl', 'NOT_FOUND', () => presign(foreign.id, null)),
  c('a foreign id: deleteFile(hardDelete: true)', 'NOT_FOUND', () => ask('mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id: foreign.id })),
  c('a foreign id: updateFile', 'NOT_FOUND', () => ask('mutation ($id: ID!) { updateFile(id: $id, input: { isPublic: true }) { id } }', { id: foreign.id })),
  c('a foreign id: copyFile', 'NOT_FOUND', () => ask('mutation ($id: ID!) { copyFile(id: $id) { id } }', { id: foreign.id })),
  c('a malformed id (not a UUID): presignedUrl', 'NOT_FOUND', () => presign('not-a-uuid', null)),
  c('a malformed id: file', 'ok: null', async () => {
    const json = await graphql('query ($id: ID!) { file(id: $id) { id } }', { id: 'not-a-uuid' });
    return { answer: `${answerOf(json)}: ${JSON.stringify(json.data?.file)}` };
  }),
  c('an SQL-looking id: deleteFile("\' OR \'1\'=\'1")', 'NOT_FOUND', () => ask('mutation ($id: ID!) { deleteFile(id: $id) }', { id: "' OR '1'='1" })),
  c('a 10 000-character id', 'NOT_FOUND', () => presign('f'.repeat(10_000), null)),
  c('an integer id (123)', 'NOT_FOUND', () => presign(123, null)),
  c('a path-traversal id on the download route: /files/..%2F..%2Fetc%2Fpasswd/download', 'NOT_FOUND', async () => ({ answer: answerOf(await (await fetch(`${server.url}/files/..%2F..%2Fetc%2Fpasswd/download`)).json()) })),
  c('a NUL id on the download route: /files/%00/download', 'NOT_FOUND', async () => ({ answer: answerOf(await (await fetch(`${server.url}/files/%00/download`)).json()) })),

  // -- tokens
  c('a token for a user who owns nothing: files', 'ok: 0 files', async () => {
    const json = await graphql('{ files(filter: { includeDeleted: true }) { totalCount } }');
    return { answer: `${answerOf(json)}: ${json.data?.files.totalCount} files` };
  }),
  c('a token for a user who owns nothing: deleteFile(someone\'s file)', 'NOT_FOUND', () => ask('mutation ($id: ID!) { deleteFile(id: $id) }', { id: foreign.id })),
  c('a token with a future nbf', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { authorization: `Bearer ${await hs256({ sub: someUser() }, (jwt) => jwt.setNotBefore('1h').setExpirationTime('2h'))}` })),
  c('an expired token', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { authorization: `Bearer ${await hs256({ sub: someUser() }, (jwt) => jwt.setExpirationTime('-1m'))}` })),
  c('a token with an empty subject', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { authorization: `Bearer ${await hs256({ sub: '' }, (jwt) => jwt.setExpirationTime('1h'))}` })),
  c('two tokens in one header: "Bearer a b"', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { authorization: `Bearer ${await server.token(someUser())} ${await server.token(someUser())}` })),
  c('roles "admin" as a string, not an array: not an administrator', 'FORBIDDEN', async () =>
    ask('{ files(filter: { ownerId: "someone-else" }) { totalCount } }', {}, { authorization: `Bearer ${await hs256({ sub: someUser(), roles: 'admin' }, (jwt) => jwt.setExpirationTime('1h'))}` }),
  ),
  c('roles ["Admin"] (case differs): not an administrator', 'FORBIDDEN', async () =>
    ask('{ files(filter: { ownerId: "someone-else" }) { totalCount } }', {}, { authorization: `Bearer ${await hs256({ sub: someUser(), roles: ['Admin'] }, (jwt) => jwt.setExpirationTime('1h'))}` }),
  ),
  c('JWKS: an HS256 token signed with the provider\'s public key', 'UNAUTHENTICATED', async () => {
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('mallory').setIssuer('https://id.example').setAudience('files').setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(idpPublicJwk)));
    return upload('a.png', fixtures.png, null, { on: idp, authorization: `Bearer ${forged}` });
  }, toIdp),
  c('JWKS: a wrong issuer', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { on: idp, authorization: `Bearer ${await rs256({ iss: 'https://evil.example' })}` }), toIdp),
  c('JWKS: a wrong audience', 'UNAUTHENTICATED', async () => upload('a.png', fixtures.png, null, { on: idp, authorization: `Bearer ${await rs256({ aud: 'another-app' })}` }), toIdp),
  c('JWKS: a token signed by another key under the same kid', 'UNAUTHENTICATED', async () => {
    const stranger = await generateKeyPair('RS256');
    return upload('a.png', fixtures.png, null, { on: idp, authorization: `Bearer ${await rs256({}, stranger.privateKey)}` });
  }, toIdp),
];

async function counts(on: TestServer): Promise<{ keys: string[]; rows: number }> {
  return { keys: await on.objectKeys(), rows: await on.rowCount() };
}

/** Cleanup after a cut connection runs after the answer: wait (briefly) for the counts to settle. */
async function settled(on: TestServer, expected: { keys: number; rows: number }): Promise<{ keys: string[]; rows: number }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = await counts(on);
    if ((now.keys.length === expected.keys && now.rows === expected.rows) || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('hostile inputs: the documented answer, and nothing left behind', () => {
  it('has at least 40 cases', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CATALOGUE)('$name → $expected', async ({ expected, run, prepare, on }) => {
    const target = on?.() ?? server;
    const prepared = prepare ? await prepare() : undefined;
    const before = await counts(target);

    const outcome = await run(prepared);
    expect(outcome.answer).toBe(expected);

    const added = outcome.keys ?? [];
    const after = await settled(target, { keys: before.keys.length + added.length, rows: before.rows + added.length });
    expect(after.keys.filter((key) => !before.keys.includes(key)).sort()).toEqual([...added].sort());
    expect(after.keys.length).toBe(before.keys.length + added.length);
    expect(after.rows).toBe(before.rows + added.length);

    // Whatever the input did, the server still answers the next caller.
    const next = await graphql('{ uploadConfig { maxFileSizeBytes } }', {}, { on: target, authorization: null });
    expect(next.data?.uploadConfig.maxFileSizeBytes).toBe(1024 * 1024);
  });

  it('still stores and serves a normal upload after the whole catalogue', async () => {
    const user = someUser();
    const answer = await server.upload(user, { name: `after-${randomUUID()}.png`, bytes: fixtures.png });
    expect(answer.errors).toBeUndefined();
    const download = await fetch(`${server.url}/files/${answer.data!.uploadFile.id}/download`, { headers: { authorization: await bearer(user) } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(fixtures.png);
  });
});
