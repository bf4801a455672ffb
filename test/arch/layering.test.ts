/**
 * The dependency direction of DESIGN.md, enforced on the import lines of src/:
 * kernels ← tensor ← autograd; safetensors imports nothing of ours; model imports tensor and
 * safetensors (never autograd); io and optim (the one Adam) import tensor; controlmllm (the method
 * only) imports model, autograd, optim, tensor, io; train imports those and controlmllm, eval also train; cli imports anything and nothing
 * imports cli. The entry points src/index.ts and src/node.ts re-export everything and nothing inside
 * src/ imports them.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

const method = ['kernels', 'tensor', 'autograd', 'optim', 'safetensors', 'model', 'io'];
const everything = [...method, 'controlmllm', 'train', 'eval'];
const allowed: Record<string, string[]> = {
  kernels: [],
  safetensors: [],
  tensor: ['kernels'],
  autograd: ['kernels', 'tensor'],
  model: ['kernels', 'tensor', 'safetensors'],
  io: ['kernels', 'tensor'],
  optim: ['kernels', 'tensor'],
  controlmllm: method,
  train: [...method, 'controlmllm'],
  eval: [...method, 'controlmllm', 'train'],
  cli: everything,
  // The public entry points at the top of src/ (browser-safe API and its Node superset); nothing imports them.
  'index.ts': everything,
  'node.ts': [...everything, 'index.ts'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every violation as "model/llama.ts imports autograd/grad.ts (not allowed)". */
function violations(root: string): string[] {
  const out: string[] = [];
  for (const file of files(root)) {
    const rel = path.relative(root, file);
    const layer = rel.split(path.sep)[0];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s*(?:[^'"]*?from\s*)?['"](\.[^'"]+)['"]/gm)) {
      const target = path.relative(root, path.resolve(path.dirname(file), m[1])).replace(/\.js$/, '.ts');
      const targetLayer = target.split(path.sep)[0];
      const isEntry = (p: string) => !p.includes(path.sep); // src/index.ts, src/node.ts: the package entry points
      if (target.startsWith('..')) out.push(`${rel} imports ${target} (outside src/, not allowed)`);
      else if (isEntry(rel)) continue;
      else if (isEntry(target)) out.push(`${rel} imports the entry point ${target} (not allowed)`);
      else if (targetLayer !== layer && !(allowed[layer] ?? []).includes(targetLayer)) {
        out.push(`${rel} imports ${target} (not allowed)`);
      }
    }
  }
  return out;
}

describe('layering', () => {
  it('lets the entry points re-export anything, but nothing may import them', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'layering-'));
    mkdirSync(path.join(root, 'tensor'));
    writeFileSync(path.join(root, 'index.ts'), "export * from './tensor/t.js';\n");
    writeFileSync(path.join(root, 'tensor', 't.ts'), "import '../index.js';\nexport const t = 1;\n");
    expect(violations(root)).toEqual([`tensor${path.sep}t.ts imports the entry point index.ts (not allowed)`]);
  });
  it('every folder of src/ has a rule', () => {
    const layers = readdirSync(src).filter((n) => statSync(path.join(src, n)).isDirectory());
    expect(layers.filter((l) => !(l in allowed))).toEqual([]);
  });
  it('reports a forbidden import with the file and target', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'layering-'));
    mkdirSync(path.join(root, 'model'));
    mkdirSync(path.join(root, 'autograd'));
    writeFileSync(path.join(root, 'autograd', 'grad.ts'), 'export const g = 1;\n');
    writeFileSync(path.join(root, 'model', 'llama.ts'), "import { g } from '../autograd/grad.js';\n");
    expect(violations(root)).toEqual([`model${path.sep}llama.ts imports autograd${path.sep}grad.ts (not allowed)`]);
  });
  it('no folder imports one it must not', () => {
    expect(violations(src)).toEqual([]);
  });
});
