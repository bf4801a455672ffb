// Bundles the TypeScript entry points with esbuild (no type check: `npm run typecheck` does that).
// dist/cli.js — the `controlmllm` command; dist/node.js — the library's Node entry (src/node.ts);
// dist/browser.js — its browser-safe entry (src/index.ts, no Node builtin); dist/bench.js — the kernel
// benchmark. Dependencies stay external (the consumer's Node or bundler resolves them). The declaration
// files (dist/types/) come from `tsc -p tsconfig.build.json`, which `npm run build` runs after this.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { wabtFsStub } from './browser-stubs.mjs';

// The browser bundle keeps every dependency external except wabt, bundled with its Node-only
// require("fs") stubbed (see browser-stubs.mjs), so that a consumer's bundler meets no Node builtin.
const deps = Object.keys(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).dependencies);
const browserExternal = deps.filter((d) => d !== 'wabt');

const entries = [
  { in: 'src/cli/bin.ts', out: 'dist/cli.js' },
  { in: 'src/node.ts', out: 'dist/node.js' },
  { in: 'src/index.ts', out: 'dist/browser.js', platform: 'browser', target: 'es2022', external: browserExternal, plugins: [wabtFsStub] },
  { in: 'bench/main.ts', out: 'dist/bench.js' },
  { in: 'bench/llava-7b.ts', out: 'dist/bench-7b.js' },
  { in: 'bench/llava-step.ts', out: 'dist/llava-step.mjs' },
].filter((e) => existsSync(e.in));

for (const e of entries) {
  await build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: e.platform ?? 'node',
    format: 'esm',
    target: e.target ?? 'node20',
    ...(e.external ? { external: e.external, plugins: e.plugins } : { packages: 'external' }),
    sourcemap: true,
    logLevel: 'warning',
  });
}
