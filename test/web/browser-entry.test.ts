/**
 * src/index.ts is the browser-safe entry: bundled for the browser with esbuild (no Node polyfills),
 * it must reach no Node builtin (fs, path, worker_threads, zlib, stream, …), directly or through a
 * package. A hit is reported as "importer -> builtin", e.g. "node_modules/pngjs/lib/png.js -> zlib".
 * src/node.ts, by contrast, is for Node and may use them.
 */
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Bundles `entry` for the browser; returns every import of a Node builtin (kept external so all are listed). */
async function nodeImports(entry: string): Promise<string[]> {
  const hits: string[] = [];
  const catchBuiltins: Plugin = {
    name: 'catch-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (!builtins.has(a.path) && !a.path.startsWith('node:')) return undefined;
        hits.push(`${path.relative(root, a.importer)} -> ${a.path}`);
        return { path: a.path, external: true };
      });
    },
  };
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [catchBuiltins],
  });
  return [...new Set(hits)].sort();
}

describe('browser entry', () => {
  it('src/index.ts bundles for the browser without reaching any Node builtin (but wabt\'s guarded fs, stubbed by the builds)', async () => {
    // wabt (the wasm backend's assembler) requires fs only under Node; scripts/browser-stubs.mjs gives every
    // browser bundle an empty module for it, and test/package/pack.test.ts checks the shipped bundle has none.
    expect(await nodeImports('src/index.ts')).toEqual(['node_modules/wabt/index.js -> fs']);
  });

  it('the check does catch Node builtins (src/node.ts reaches fs and path)', async () => {
    const hits = await nodeImports('src/node.ts');
    expect(hits).toEqual(expect.arrayContaining(['src/safetensors/node.ts -> node:fs', 'src/safetensors/node.ts -> node:path']));
  });

  it('the public API has what a page needs', async () => {
    const api = await import('../../src/index.js');
    for (const name of ['askAboutRegion', 'loadSessionFromFiles', 'fetchFiles', 'fileListFiles', 'loadLlavaFromSource', 'SafetensorsFile',
      'bytesSource', 'loadTokenizer', 'ChatTemplate', 'parseClipProcessorConfig', 'heatmapOverlay', 'setBackend', 'onBackendLog',
      'createGpuJsBackend', 'createWasmBackend', 'TextStreamer', 'cpu', 'grad', 'Tensor', 'regionWeights']) {
      expect(typeof (api as Record<string, unknown>)[name]).not.toBe('undefined');
    }
    const node = await import('../../src/node.js');
    for (const name of ['loadSession', 'readImageFile', 'openCheckpoint', 'askAboutRegion']) expect(typeof (node as Record<string, unknown>)[name]).toBe('function');
  });
});
