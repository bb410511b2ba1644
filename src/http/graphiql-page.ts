import path from 'node:path';

/**
 * GraphiQL, served whole by this server: its UMD build and the React it expects
 * as globals come from node_modules, so the page works on a machine with no
 * internet access (Apollo's landing page and Sandbox load from a CDN).
 */

/** The URL prefix of GraphiQL's scripts and styles. */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql';

/** Asset name (as served under GRAPHIQL_ASSET_PREFIX) → [package, file inside it]. */
const VENDOR_ASSETS: Record<string, [string, string]> = {
  'react.production.min.js': ['react', 'umd/react.production.min.js'],
  'react-dom.production.min.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.min.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.min.css': ['graphiql', 'graphiql.min.css'],
};

/** Where each asset is on disk. The packages are located once, at start-up. */
export function graphiqlAssetFiles(webDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, [pkg, file]] of Object.entries(VENDOR_ASSETS)) {
    // Every package here allows "<pkg>/package.json" through its exports map; the UMD files it may not.
    files.set(name, path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file));
  }
  files.set('setup.js', path.join(webDir, 'graphiql-setup.js'));
  return files;
}

/**
 * Only our own scripts and this origin: GraphiQL talks to /graphql and nothing
 * else. Its fonts are data: URLs; React and CodeMirror set inline styles.
 */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page, with its asset URLs as `{{asset …}}` placeholders for versionedPage (static-assets.ts). */
export function graphiqlHtml(): string {
  const asset = (name: string) => `{{asset ${GRAPHIQL_ASSET_PREFIX}/${name}}}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GraphiQL · File server</title>
  <link rel="icon" href="{{asset /web/favicon.svg}}" type="image/svg+xml">
  <link rel="stylesheet" href="${asset('graphiql.min.css')}">
  <style>html, body, #graphiql { height: 100%; margin: 0; } #graphiql > p { font: 14px system-ui, sans-serif; padding: 1rem; }</style>
</head>
<body>
  <div id="graphiql"><p>Loading GraphiQL…</p></div>
  <script src="${asset('react.production.min.js')}"></script>
  <script src="${asset('react-dom.production.min.js')}"></script>
  <script src="${asset('graphiql.min.js')}"></script>
  <script src="${asset('setup.js')}"></script>
</body>
</html>
`;
}
