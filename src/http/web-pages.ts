import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config';
import { GRAPHIQL_ASSET_PREFIX, GRAPHIQL_CSP, graphiqlAssetFiles, graphiqlHtml } from './graphiql-page';
import { serveAsset, StaticAsset, versionedPage } from './static-assets';

/**
 * The file manager talks to /graphql and to storage (presigned PUTs and image
 * thumbnails), whose host depends on the deployment (s3rver, MinIO, AWS's
 * virtual hosts...), so connect-src and img-src stay open; scripts are ours only,
 * which is what keeps the token in sessionStorage out of an injected script's reach.
 */
const FILE_MANAGER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILE_MANAGER_FILES = ['api.js', 'app.js', 'placeholders.js', 'styles.css', 'favicon.svg'];

/**
 * The pages a person opens in a browser: the file manager at `/` and GraphiQL at
 * `GET /graphql` (when the request accepts HTML). Every asset is served from
 * installed packages: the pages work with no internet access. The pages link
 * their assets by versioned URLs, so browsers keep those for a year; the pages
 * themselves are revalidated on every load (static-assets.ts).
 */
export function webRouter(config: Config): Router {
  const router = express.Router();
  const webDir = findWebDir();
  // URL path → asset. GRAPHIQL=false is the production choice: no page, no assets (introspection is off too).
  const assets = new Map<string, StaticAsset>();
  for (const name of FILE_MANAGER_FILES) assets.set(`/web/${name}`, StaticAsset.file(path.join(webDir, name)));
  // placeholders.js imports it by this plain URL (a module cannot be templated): revalidated by its ETag.
  assets.set('/web/vendor/blurhash.mjs', StaticAsset.file(path.join(path.dirname(require.resolve('blurhash')), 'index.mjs')));
  if (config.graphiql) {
    for (const [name, file] of graphiqlAssetFiles(webDir)) assets.set(`${GRAPHIQL_ASSET_PREFIX}/${name}`, StaticAsset.file(file));
  }
  for (const [url, asset] of assets) router.get(url, serveAsset(asset));

  const indexHtml = readFileSync(path.join(webDir, 'index.html'), 'utf8')
    .replace('{{tokenSource}}', tokenSource(config))
    .replace('{{graphiql}}', String(config.graphiql));
  const fileManager = versionedPage(indexHtml, assets);
  router.get('/', (req, res) => {
    pageHeaders(res, FILE_MANAGER_CSP);
    return fileManager.send(req, res, { immutable: false });
  });

  if (!config.graphiql) return router;
  const graphiql = versionedPage(graphiqlHtml(), assets);
  // Middleware, not router.get('/graphql'): a route would make this router answer every
  // OPTIONS /graphql itself ("Allow: GET, HEAD"), so CORS preflights would never reach cors().
  router.use((req, res, next) => {
    if (req.path !== '/graphql' || (req.method !== 'GET' && req.method !== 'HEAD') || !wantsGraphiQL(req)) return next();
    pageHeaders(res, GRAPHIQL_CSP);
    return graphiql.send(req, res, { immutable: false });
  });
  return router;
}

/**
 * A browser navigating to /graphql, as opposed to a GraphQL GET (`?query=`) or a
 * client that accepts anything (curl's `*\/*`): the same test Apollo's landing
 * page uses, HTML only when it is preferred over JSON.
 */
function wantsGraphiQL(req: Request): boolean {
  if (req.query.query !== undefined) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/** How the page should tell a person to get a token. */
function tokenSource(config: Config): 'jwks' | 'secret' | 'development' {
  if (config.auth.jwksUrl) return 'jwks';
  return config.auth.jwtSecret ? 'secret' : 'development';
}

/** Beside those every asset gets (nosniff, caching, ETag). */
function pageHeaders(res: Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('Referrer-Policy', 'same-origin');
}

/**
 * web/ sits at the repository root: two levels above this file in src/http, three
 * above it once compiled to dist/src/http.
 */
function findWebDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'web', 'index.html'))) return path.join(dir, 'web');
    if (path.dirname(dir) === dir) throw new Error(`web/index.html not found above ${__dirname}`);
  }
}
