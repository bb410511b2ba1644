import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config';
import { GRAPHIQL_ASSET_PREFIX, GRAPHIQL_CSP, graphiqlAssetFiles, graphiqlHtml } from './graphiql-page';
import { serveAsset, StaticAsset, versionedPage } from './static-assets';

/**
 * The file manager talks to /graphql (over HTTP, and over a WebSocket for live
 * updates) and to storage (presigned PUTs and image thumbnails), whose host
 * depends on the deployment (s3rver, MinIO, AWS's virtual hosts...), so
 * connect-src and img-src stay open; scripts are ours only, which is what keeps
 * the token in sessionStorage out of an injected script's reach. 'self' covers
 * ws: and wss: to this host in CSP Level 3 browsers (Chrome 71, Firefox, Safari
 * 16); Safari 15.4 to 15.6, which the page otherwise runs in, need the host named.
 */
function fileManagerCsp(req: Request): string {
  const host = req.headers.host;
  // Only a plain host[:port] goes into the header: anything else is no host a browser could have used.
  const sockets = host && /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: http: https:",
    `connect-src 'self'${sockets} http: https:`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The file manager's own files, served under /web/. The page links app.js; the
 * other modules are imported by it and by each other with plain relative URLs
 * (checked at start-up: see checkImports).
 */
const FILE_MANAGER_FILES = [
  'app.js',
  'api.js',
  'archives.js',
  'dialogs.js',
  'dom.js',
  'feedback.js',
  'file-actions.js',
  'file-edit.js',
  'file-row.js',
  'folders.js',
  'limits.js',
  'list.js',
  'live.js',
  'placeholders.js',
  'resumable.js',
  'selection.js',
  'session.js',
  'sort.js',
  'trash.js',
  'upload-item.js',
  'upload.js',
  'view.js',
  'styles.css',
  'favicon.svg',
];

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
  // Modules import these by plain URLs (a module cannot be templated): revalidated by their ETags.
  assets.set('/web/vendor/blurhash.mjs', StaticAsset.file(path.join(path.dirname(require.resolve('blurhash')), 'index.mjs')));
  for (const [name, file] of graphqlWsClientFiles()) assets.set(`/web/vendor/graphql-ws/${name}`, StaticAsset.file(file));
  checkImports(webDir, assets);
  if (config.graphiql) {
    for (const [name, file] of graphiqlAssetFiles(webDir)) assets.set(`${GRAPHIQL_ASSET_PREFIX}/${name}`, StaticAsset.file(file));
  }
  for (const [url, asset] of assets) router.get(url, serveAsset(asset));

  const indexHtml = readFileSync(path.join(webDir, 'index.html'), 'utf8')
    .replace('{{tokenSource}}', tokenSource(config))
    .replace('{{graphiql}}', String(config.graphiql))
    .replace('{{modulePreloads}}', modulePreloads(assets));
  const fileManager = versionedPage(indexHtml, assets);
  router.get('/', (req, res) => {
    pageHeaders(res, fileManagerCsp(req));
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
 * Links to every module the file manager imports, by the plain URL its importers
 * use: the browser fetches them at once, instead of one level of imports after
 * another (app.js → list.js → file-row.js → placeholders.js → blurhash.mjs).
 */
function modulePreloads(assets: ReadonlyMap<string, StaticAsset>): string {
  return Array.from(assets.keys())
    .filter((url) => url.startsWith('/web/') && /\.m?js$/.test(url) && url !== '/web/app.js')
    .map((url) => `<link rel="modulepreload" href="${url}">`)
    .join('\n  ');
}

/**
 * graphql-ws's browser client as the package ships it: dist/client.js (an ES
 * module) and the shared chunk it imports, whose name carries a hash that
 * changes between versions, so it is read from the import itself.
 */
function graphqlWsClientFiles(): Map<string, string> {
  // The CommonJS entry (dist/index.cjs) sits beside the ES modules.
  const dist = path.dirname(require.resolve('graphql-ws'));
  const files = new Map([['client.js', path.join(dist, 'client.js')]]);
  for (const name of relativeImports(readFileSync(files.get('client.js')!, 'utf8'))) files.set(name, path.join(dist, name));
  return files;
}

/**
 * Every module the page can load imports only files that are served: a module
 * split off without its line in FILE_MANAGER_FILES fails at start-up, not in a
 * browser (where one missing module stops the whole page).
 */
function checkImports(webDir: string, assets: ReadonlyMap<string, StaticAsset>): void {
  for (const name of FILE_MANAGER_FILES.filter((file) => file.endsWith('.js'))) {
    const source = readFileSync(path.join(webDir, name), 'utf8');
    for (const imported of moduleSpecifiers(source)) {
      const url = new URL(imported, `http://page/web/${name}`).pathname;
      if (!assets.has(url)) throw new Error(`web/${name} imports ${imported}, which is not a served asset`);
    }
  }
}

/** The specifiers of a module's static imports and re-exports (`from '…'`, `import '…'`): enough for the page's own modules. */
function moduleSpecifiers(source: string): string[] {
  const statements = /^\s*(?:import|export)\s[^'";(]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  return Array.from(source.matchAll(statements), (match) => match[1] ?? match[2]);
}

function relativeImports(source: string): string[] {
  return moduleSpecifiers(source)
    .filter((specifier) => specifier.startsWith('./'))
    .map((specifier) => specifier.slice(2));
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
