// esbuild plugin for every browser bundle (dist/browser.js, the page): wabt — the WAT assembler the
// wasm backend runs at startup — is an Emscripten build whose `require("fs")` only runs under Node
// (behind its ENVIRONMENT_IS_NODE test). In a browser bundle that require resolves to an empty module.
// Any other Node builtin is still an error (test/web/browser-entry.test.ts, test/package/pack.test.ts).
import path from 'node:path';

const wabtDir = `${path.sep}node_modules${path.sep}wabt${path.sep}`;

export const wabtFsStub = {
  name: 'wabt-fs-stub',
  setup(b) {
    b.onResolve({ filter: /^fs$/ }, (a) => (a.importer.includes(wabtDir) ? { path: 'fs', namespace: 'wabt-fs-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'wabt-fs-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};
