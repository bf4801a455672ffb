// Bundles the TypeScript entry points with esbuild (no type check: `npm run typecheck` does that).
// dist/cli.js — the `controlmllm` command; dist/node.js — the library (Node entry; the browser entry is
// bundled by build-web.mjs); dist/bench.js — the kernel benchmark.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'src/cli/bin.ts', out: 'dist/cli.js' },
  { in: 'src/node.ts', out: 'dist/node.js' },
  { in: 'bench/main.ts', out: 'dist/bench.js' },
  { in: 'bench/llava-7b.ts', out: 'dist/bench-7b.js' },
  { in: 'bench/llava-step.ts', out: 'dist/llava-step.mjs' },
].filter((e) => existsSync(e.in));

for (const e of entries) {
  await build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}
