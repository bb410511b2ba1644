// Lets a child process of a test run TypeScript as jest does (@swc/core, .swcrc):
// `node -r ./test/support/swc-register.js some-child.ts`. No build, no dist/.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const { $schema, ...options } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.swcrc'), 'utf8'));
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename, swcrc: false, sourceMaps: 'inline' });
  module._compile(code, filename);
};
