// Bundles the TypeScript entry points with esbuild (no type check: `npm run typecheck` does that).
// dist/cli.js — the `controlmllm` command; dist/node.js — the library's Node entry (src/node.ts);
// dist/browser.js — its browser-safe entry (src/index.ts, no Node builtin); dist/bench.js — the kernel
// benchmark. Dependencies stay external (the consumer's Node or bundler resolves them). The declaration
// files (dist/types/) come from `tsc -p tsconfig.build.json`, which `npm run build` runs after this.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'src/cli/bin.ts', out: 'dist/cli.js' },
  { in: 'src/node.ts', out: 'dist/node.js' },
  { in: 'src/index.ts', out: 'dist/browser.js', platform: 'browser', target: 'es2022' },
  { in: 'bench/main.ts', out: 'dist/bench.js' },
].filter((e) => existsSync(e.in));

for (const e of entries) {
  await build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: e.platform ?? 'node',
    format: 'esm',
    target: e.target ?? 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}
