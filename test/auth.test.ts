import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { someUser, startTestServer, type TestServer } from './support/test-server';

const QUERY = '{ files { totalCount } }';

async function ask(server: TestServer, token: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
  return { status: response.status, code: body.errors?.[0].extensions.code };
}

function unsigned(payload: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

describe('HS256 tokens (JWT_SECRET)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ JWT_SECRET: 'a-secret-long-enough-for-hs256-xxxxxxxx' });
  });
  afterAll(() => server.stop());

  it('accepts a valid token', async () => {
    expect(await ask(server, await server.token(someUser()))).toEqual({ status: 200, code: undefined });
  });

  it.each([
    ['garbage', async () => 'garbage'],
    ['alg none', async () => unsigned({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 60 })],
    ['a forged signature', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setExpirationTime('1h').sign(new TextEncoder().encode('not-the-secret-not-the-secret-xxxxxx'))],
    ['an expired token', async () => server.token(someUser(), { expiresIn: '-1m' })],
    ['a token that is not valid yet', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setNotBefore('1h').sign(new TextEncoder().encode(server.config.auth.jwtSecret!))],
    ['a token without a subject', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(server.config.auth.jwtSecret!))],
  ])('answers %s with 401 UNAUTHENTICATED', async (_case, make) => {
    expect(await ask(server, await make())).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  describe('claims about time (a 60-second allowance for an issuer\'s clock running ahead)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const signed = (claims: Record<string, number>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(someUser()).sign(new TextEncoder().encode(server.config.auth.jwtSecret!));

    it.each([
      ['a token without exp (it would never expire)', () => signed({})],
      ['a token issued a year from now', () => signed({ iat: now() + 365 * 86400, exp: now() + 400 * 86400 })],
      ['a token issued 2 minutes from now', () => signed({ iat: now() + 120, exp: now() + 3600 })],
      ['a token valid from 2 minutes from now', () => signed({ nbf: now() + 120, exp: now() + 3600 })],
      ['a token expired a second ago (exp has no allowance)', () => signed({ exp: now() - 1 })],
    ])('refuses %s', async (_case, make) => {
      expect(await ask(server, await make())).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('accepts iat and nbf up to 60 seconds ahead', async () => {
      expect(await ask(server, await signed({ iat: now() + 30, nbf: now() + 30, exp: now() + 3600 }))).toEqual({ status: 200, code: undefined });
    });

    it('accepts a token without exp only where JWT_ALLOW_NO_EXP=true', async () => {
      const lenient = await startTestServer({ JWT_SECRET: server.config.auth.jwtSecret!, JWT_ALLOW_NO_EXP: 'true' });
      try {
        const token = await signed({});
        expect(await ask(lenient, token)).toEqual({ status: 200, code: undefined });
        expect(await ask(lenient, await signed({ iat: now() + 3600 }))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      } finally {
        await lenient.stop();
      }
    });
  });

  // Verified tokens are remembered (authenticator.ts): never past their expiry.
  it('refuses a token once it has expired, though it was accepted before', async () => {
    const token = await server.token(someUser(), { expiresIn: '2s' });
    expect(await ask(server, token)).toEqual({ status: 200, code: undefined });
    expect(await ask(server, token)).toEqual({ status: 200, code: undefined });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await ask(server, token)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(401);
  });
});

describe('JWKS tokens (an identity provider)', () => {
  let server: TestServer;
  let jwks: http.Server;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let publicJwk: JWK;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    server = await startTestServer({ JWT_SECRET: '', JWT_JWKS_URL: url, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'files' });
  });
  afterAll(async () => {
    await server.stop();
    jwks.close();
  });

  const rs256 = (claims: { iss?: string; aud?: string; roles?: string[] } = {}) =>
    new SignJWT({ roles: claims.roles ?? [] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('idp-user')
      .setIssuer(claims.iss ?? 'https://id.example')
      .setAudience(claims.aud ?? 'files')
      .setExpirationTime('5m')
      .sign(keys.privateKey);

  it('accepts a token signed by the provider with the right issuer and audience', async () => {
    expect(await ask(server, await rs256())).toEqual({ status: 200, code: undefined });
  });

  it.each([
    ['a wrong issuer', () => rs256({ iss: 'https://evil.example' })],
    ['a wrong audience', () => rs256({ aud: 'other-app' })],
    // The classic key-confusion attack: the public key used as an HMAC secret.
    ['an HS256 token signed with the public key', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('mallory').setIssuer('https://id.example').setAudience('files').setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(publicJwk)))],
    ['alg none', async () => unsigned({ sub: 'mallory', iss: 'https://id.example', aud: 'files' })],
  ])('refuses %s (UNAUTHENTICATED)', async (_case, make) => {
    expect(await ask(server, await make())).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
