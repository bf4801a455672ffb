/**
 * The random-checkpoint generator (scripts/random-checkpoint.ts) on the tiny config: shards, index and
 * copied files; every parameter of the module tree stored as F16/BF16 with the right shape; norms 1,
 * biases 0, the rest uniform with std 0.02; deterministic per seed; the result loads and runs; nothing
 * is overwritten. The 7B is the same code on the real config.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeRandomCheckpoint } from '../../scripts/random-checkpoint.js';
import { loadLlava, readLlavaConfig } from '../../src/model/load-node.js';
import { parameterSpecs } from '../../src/model/load.js';
import { openCheckpoint, openSafetensorsFile } from '../../src/safetensors/node.js';
import { ShardedCheckpoint } from '../../src/safetensors/sharded.js';
import { fromArray, noGrad } from '../../src/tensor/index.js';
import { inputIds, ref, tinyDir } from '../model/tiny-fixture.js';

const src = tinyDir;
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'random-ckpt-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('3 shards + index holding every parameter at its shape, F16, with copied config', () => {
  const out = path.join(root, 'a');
  const files = writeRandomCheckpoint(src, out, { shards: 3 });
  expect(files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
  const ckpt = openCheckpoint(out) as ShardedCheckpoint;
  expect(ckpt.shards.size).toBe(3);
  const specs = parameterSpecs(readLlavaConfig(src));
  expect(ckpt.names().sort()).toEqual(specs.map((s) => s.name).sort());
  for (const s of specs) {
    expect(ckpt.info(s.name).shape).toEqual(s.shape);
    expect(ckpt.info(s.name).dtype).toBe('F16');
  }
  const total = specs.reduce((n, s) => n + 2 * s.shape.reduce((p, d) => p * d, 1), 0);
  expect(JSON.parse(readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8')).metadata.total_size).toBe(total);
  expect(readFileSync(path.join(out, 'config.json'), 'utf8')).toBe(readFileSync(path.join(src, 'config.json'), 'utf8'));
});

test('values: norms 1, biases 0, weights uniform with std 0.02; same seed same bytes, other seed differs', () => {
  const a = path.join(root, 'b1');
  const b = path.join(root, 'b2');
  const c = path.join(root, 'b3');
  writeRandomCheckpoint(src, a, { seed: 7 });
  writeRandomCheckpoint(src, b, { seed: 7 });
  writeRandomCheckpoint(src, c, { seed: 8 });
  const fa = openSafetensorsFile(path.join(a, 'model-00001-of-00001.safetensors'));
  const names = fa.names();
  const norm = names.find((n) => n.endsWith('input_layernorm.weight'))!;
  const bias = names.find((n) => n.endsWith('.bias'))!;
  const weight = names.find((n) => n.endsWith('embed_tokens.weight'))!;
  expect([...new Set(fa.readFloat32(norm))]).toEqual([1]);
  expect([...new Set(fa.readFloat32(bias))]).toEqual([0]);
  const w = fa.readFloat32(weight);
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
  expect(Math.abs(mean)).toBeLessThan(0.002);
  expect(std).toBeGreaterThan(0.018);
  expect(std).toBeLessThan(0.022);
  expect(Math.max(...w)).toBeLessThanOrEqual(0.02 * Math.sqrt(3) + 1e-4);
  const bytes = (d: string) => readFileSync(path.join(d, 'model-00001-of-00001.safetensors'));
  expect(bytes(a).equals(bytes(b))).toBe(true);
  expect(bytes(a).equals(bytes(c))).toBe(false);
});

test('BF16 storage loads with --half-weights and runs a forward pass with finite logits', () => {
  const out = path.join(root, 'c');
  writeRandomCheckpoint(src, out, { dtype: 'BF16', shards: 2 });
  expect(openCheckpoint(out).info('language_model.lm_head.weight').dtype).toBe('BF16');
  const model = loadLlava(out, { halfWeights: true });
  const px = ref('pixel_values');
  const logits = noGrad(() => model.decode(model.embed(inputIds(), fromArray(px.data, px.shape)).inputsEmbeds).logits.toTypedArray());
  expect(logits.length).toBeGreaterThan(0);
  expect(logits.every((v) => Number.isFinite(v))).toBe(true);
});

test('refuses to overwrite an existing checkpoint', () => {
  const out = path.join(root, 'd');
  writeRandomCheckpoint(src, out, {});
  const before = readFileSync(path.join(out, 'model-00001-of-00001.safetensors'));
  expect(() => writeRandomCheckpoint(src, out, { seed: 3 })).toThrow(/already exists/);
  expect(readFileSync(path.join(out, 'model-00001-of-00001.safetensors')).equals(before)).toBe(true);
  expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
