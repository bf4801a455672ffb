// Builds the browser demo into web/dist/ (no type check: `npm run typecheck` does that).
//
//   web/dist/main.js, worker.js (+ .map)   the page script and the model Web Worker (esbuild, ESM, not minified)
//   web/dist/tiktoken_bg.wasm              tiktoken's WebAssembly (only fetched for a tiktoken tokenizer.model)
//   web/dist/models/tiny/                  the tiny test model of test/helpers/tiny-model-dir.ts (random weights)
//   web/samples/shapes-{1,2}.png           sample images, drawn deterministically (written when missing, or with --samples)
//
// `node scripts/build-web.mjs [--samples]`; `buildWeb()` is also imported by scripts/serve-web.mjs.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wabtFsStub } from './browser-stubs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'web', 'dist');
const require = createRequire(import.meta.url);

export async function buildWeb({ samples = false, log = console.log } = {}) {
  const t0 = performance.now();
  mkdirSync(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'web/src/main.ts', worker: 'web/src/worker.ts' },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: false,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [wabtFsStub],
  });
  copyFileSync(require.resolve('tiktoken/lite/tiktoken_bg.wasm'), path.join(out, 'tiktoken_bg.wasm'));
  await writeTinyModel(path.join(out, 'models', 'tiny'));
  writeSamples(path.join(root, 'web', 'samples'), samples);
  log(`web: built web/dist in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Runs test/helpers/tiny-model-dir.ts (bundled for Node) and copies the folder it makes to `dest`. */
async function writeTinyModel(dest) {
  const helper = path.join(root, 'test', 'helpers', 'tiny-model-dir.ts');
  const tmp = mkdtempSync(path.join(tmpdir(), 'build-web-'));
  try {
    const bundled = path.join(tmp, 'tiny-model-dir.mjs');
    await build({
      entryPoints: [helper],
      outfile: bundled,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(helper).href) },
    });
    const { tinyModelDir } = await import(pathToFileURL(bundled).href);
    const dir = tinyModelDir();
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    for (const f of readdirSync(dir)) copyFileSync(path.join(dir, f), path.join(dest, f));
    rmSync(dir, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- sample images --------------------------------------------------------------------------------

const SAMPLES = {
  'shapes-1.png': [
    { shape: 'circle', colour: [220, 40, 40], cx: 44, cy: 48, r: 26 },
    { shape: 'square', colour: [50, 90, 235], cx: 116, cy: 52, r: 24 },
    { shape: 'triangle', colour: [235, 215, 40], cx: 82, cy: 118, r: 30 },
  ],
  'shapes-2.png': [
    { shape: 'triangle', colour: [160, 60, 210], cx: 46, cy: 112, r: 28 },
    { shape: 'circle', colour: [40, 190, 60], cx: 110, cy: 110, r: 24 },
    { shape: 'square', colour: [235, 235, 235], cx: 78, cy: 40, r: 22 },
  ],
};
const SIZE = 160;

function inside(o, x, y) {
  const dx = x - o.cx, dy = y - o.cy;
  if (o.shape === 'circle') return dx * dx + dy * dy <= o.r * o.r;
  if (o.shape === 'square') return Math.abs(dx) <= o.r * 0.85 && Math.abs(dy) <= o.r * 0.85;
  // upright triangle: apex at the top, base at the bottom
  const t = (dy + o.r) / (1.8 * o.r);
  return t >= 0 && t <= 1 && Math.abs(dx) <= t * o.r;
}

/** A dark, lightly noisy background (fixed LCG) with the listed shapes; 8-bit RGB, no alpha. */
function drawSample(objects, seed) {
  const data = new Uint8Array(SIZE * SIZE * 3);
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = 3 * (y * SIZE + x);
      const n = Math.floor(rand() * 16);
      let c = [22 + n, 26 + n, 34 + n];
      for (const o of objects) if (inside(o, x + 0.5, y + 0.5)) c = o.colour.map((v) => Math.max(0, Math.min(255, v - 8 + Math.floor(rand() * 16))));
      data.set(c, i);
    }
  }
  return data;
}

function writeSamples(dir, force) {
  mkdirSync(dir, { recursive: true });
  const { PNG } = require('pngjs');
  Object.entries(SAMPLES).forEach(([name, objects], k) => {
    const file = path.join(dir, name);
    if (existsSync(file) && !force) return;
    const png = new PNG({ width: SIZE, height: SIZE, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    png.data = Buffer.from(drawSample(objects, 1234 + k));
    writeFileSync(file, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb({ samples: process.argv.includes('--samples') });
}
