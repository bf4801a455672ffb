/**
 * Sharded checkpoints (model.safetensors.index.json + shards) and openCheckpoint on disk: a small model
 * is written in 3 shards with writeSafetensorsFile and read back; then every index/shard inconsistency
 * is checked to be its own SafetensorsError.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  SafetensorsError, SafetensorsFile, ShardedCheckpoint, bytesSource, writeSafetensors,
  type ByteSource, type StDtype, type TensorSource,
} from '../../src/safetensors/index.js';
import { openCheckpoint, writeSafetensorsFile } from '../../src/safetensors/node.js';

type T = { name: string; dtype: StDtype; shape: number[]; data: ArrayBufferView };

/** A tiny "model": a few F32/F16 weights with distinct, index-derived values. */
function tinyModel(): T[] {
  const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => k + i / 8);
  return [
    { name: 'embed.weight', dtype: 'F32', shape: [5, 4], data: ramp(20, 1) },
    { name: 'layers.0.attn.weight', dtype: 'F32', shape: [4, 4], data: ramp(16, 2) },
    { name: 'layers.0.norm.weight', dtype: 'F16', shape: [4], data: new Uint16Array([0x3c00, 0x4000, 0x4200, 0x4400]) },
    { name: 'layers.1.attn.weight', dtype: 'F32', shape: [4, 4], data: ramp(16, 3) },
    { name: 'layers.1.norm.weight', dtype: 'F16', shape: [4], data: new Uint16Array([0xbc00, 0xc000, 0xc200, 0xc400]) },
    { name: 'lm_head.weight', dtype: 'F32', shape: [5, 4], data: ramp(20, 4) },
  ];
}

const SHARDS = ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors'];

/** Tensor i goes to shard floor(i / 2). */
function split(tensors: T[]): T[][] {
  return SHARDS.map((_, s) => tensors.filter((_, i) => Math.floor(i / 2) === s));
}

function indexJson(weightMap: Record<string, string>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap, ...extra }, null, 2);
}

function weightMapOf(shards: T[][]): Record<string, string> {
  return Object.fromEntries(shards.flatMap((ts, s) => ts.map((t) => [t.name, SHARDS[s]])));
}

function expectSame(src: TensorSource, tensors: T[]): void {
  expect(src.names().sort()).toEqual(tensors.map((t) => t.name).sort());
  for (const t of tensors) {
    const got = src.read(t.name);
    expect([got.dtype, got.shape, got.data]).toEqual([t.dtype, t.shape, t.data]);
  }
}

describe('on disk through openCheckpoint', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-sharded-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('3 shards + index, opened by directory and by index path', () => {
    const model = tinyModel();
    const shards = split(model);
    shards.forEach((ts, s) => writeSafetensorsFile(path.join(dir, SHARDS[s]), ts, { format: 'pt' }));
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), indexJson(weightMapOf(shards)));
    expect(fs.readdirSync(dir).sort()).toEqual([...SHARDS, 'model.safetensors.index.json'].sort()); // no temp files left

    for (const ckpt of [openCheckpoint(dir), openCheckpoint(path.join(dir, 'model.safetensors.index.json'))]) {
      expect(ckpt).toBeInstanceOf(ShardedCheckpoint);
      expectSame(ckpt, model);
      expect(ckpt.info('lm_head.weight')).toMatchObject({ file: path.join(dir, SHARDS[2]), dtype: 'F32', shape: [5, 4], begin: 8, end: 88 }); // after layers.1.norm.weight (sorted by name)
      expect(Array.from(ckpt.readFloat32('layers.1.norm.weight'))).toEqual([-1, -2, -3, -4]);
      expect(ckpt.readFloat64('embed.weight')[3]).toBe(1 + 3 / 8);
      expect(ckpt.has('layers.0.attn.weight')).toBe(true);
      expect(ckpt.has('nope')).toBe(false);
    }
  });

  test('a directory with one model.safetensors, or a .safetensors path', () => {
    const model = tinyModel();
    writeSafetensorsFile(path.join(dir, 'model.safetensors'), model);
    expect(openCheckpoint(dir)).toBeInstanceOf(SafetensorsFile);
    expectSame(openCheckpoint(dir), model);
    expectSame(openCheckpoint(path.join(dir, 'model.safetensors')), model);
  });

  test('writeSafetensorsFile replaces a file atomically and leaves nothing behind on error', () => {
    const file = path.join(dir, 'w.safetensors');
    writeSafetensorsFile(file, tinyModel().slice(0, 1));
    writeSafetensorsFile(file, tinyModel().slice(1, 2));
    expect(openCheckpoint(file).names()).toEqual(['layers.0.attn.weight']);
    expect(() => writeSafetensorsFile(file, [{ name: 'x', dtype: 'F32', shape: [2], data: new Float32Array(1) }]))
      .toThrow(`${file}: tensor "x": data has 4 bytes ≠ shape [2] × 4 bytes (F32) = 8`);
    expect(fs.readdirSync(dir)).toEqual(['w.safetensors']);
  });

  test('the index names a shard file that does not exist', () => {
    const shards = split(tinyModel());
    writeSafetensorsFile(path.join(dir, SHARDS[0]), shards[0]);
    writeSafetensorsFile(path.join(dir, SHARDS[1]), shards[1]);
    const index = path.join(dir, 'model.safetensors.index.json');
    fs.writeFileSync(index, indexJson(weightMapOf(shards)));
    const err = (() => { try { openCheckpoint(dir); } catch (e) { return e; } })() as SafetensorsError;
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err.file).toBe(index);
    expect(err.message).toMatch(`${index}: names shard "${SHARDS[2]}" (for tensor "layers.1.norm.weight"), which cannot be opened: ${path.join(dir, SHARDS[2])}: cannot open: ENOENT`);
  });

  test('a shard name escaping the directory is refused', () => {
    const index = path.join(dir, 'model.safetensors.index.json');
    fs.writeFileSync(index, indexJson({ w: '../elsewhere.safetensors' }));
    expect(() => openCheckpoint(index)).toThrow(`${index}: names shard "../elsewhere.safetensors" (for tensor "w"), which cannot be opened: shard names must be relative paths inside ${dir}`);
  });

  test('missing path, empty directory, ambiguous directory', () => {
    const missing = path.join(dir, 'nope');
    expect(() => openCheckpoint(missing)).toThrow(`${missing}: cannot open: ENOENT`);
    expect(() => openCheckpoint(dir)).toThrow(`${dir}: directory holds no .safetensors file and no .safetensors.index.json`);
    writeSafetensorsFile(path.join(dir, 'a.safetensors'), tinyModel().slice(0, 1));
    writeSafetensorsFile(path.join(dir, 'b.safetensors'), tinyModel().slice(1, 2));
    expect(() => openCheckpoint(dir)).toThrow(`${dir}: directory holds several candidate checkpoints, pass one explicitly: a.safetensors, b.safetensors`);
  });
});

describe('index / shard consistency (in memory)', () => {
  const INDEX = 'model.safetensors.index.json';

  /** Opens an index over in-memory shards built from `shards` (shard file name → tensors). */
  function open(index: string, shards: Record<string, T[]>): ShardedCheckpoint {
    const bytes = Object.fromEntries(Object.entries(shards).map(([n, ts]) => [n, writeSafetensors(ts)]));
    return ShardedCheckpoint.open(INDEX, index, (name): ByteSource => {
      if (!(name in bytes)) throw new Error(`no file "${name}"`);
      return bytesSource(name, bytes[name]);
    });
  }

  const [a, b, c] = tinyModel();
  const errorOf = (fn: () => unknown): SafetensorsError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsError);
      return e as SafetensorsError;
    }
    throw new Error('expected a SafetensorsError');
  };

  test('a consistent index opens; lookups of unknown names fail clearly', () => {
    const ckpt = open(indexJson({ [a.name]: 's1', [b.name]: 's2' }), { s1: [a], s2: [b] });
    expect(ckpt.names()).toEqual([a.name, b.name]);
    expect(ckpt.info(b.name).file).toBe('s2');
    expect([...ckpt.shards.keys()]).toEqual(['s1', 's2']);
    expect(ckpt.metadata).toEqual({ total_size: 0 });
    expect(() => ckpt.read('nope')).toThrow(`${INDEX}: tensor "nope": no such tensor (the index lists 2)`);
  });

  test('index not valid JSON', () => {
    expect(errorOf(() => open('{"weight_map": ', {})).message).toMatch(new RegExp(`^${INDEX}: index is not valid JSON \\(.+\\)$`));
  });

  test('index without weight_map, or with a non-string shard', () => {
    expect(errorOf(() => open('{"metadata": {}}', {})).message).toBe(`${INDEX}: index has no "weight_map" object`);
    const e = errorOf(() => open(JSON.stringify({ weight_map: { w: 3 } }), {}));
    expect([e.message, e.tensor]).toEqual([`${INDEX}: tensor "w": weight_map entry must be a shard file name, got 3`, 'w']);
  });

  test('weight_map naming a missing shard file', () => {
    const e = errorOf(() => open(indexJson({ [a.name]: 's1', [b.name]: 'gone' }), { s1: [a] }));
    expect(e.message).toBe(`${INDEX}: names shard "gone" (for tensor "${b.name}"), which cannot be opened: no file "gone"`);
  });

  test('the index assigns a tensor to a shard that does not contain it', () => {
    const e = errorOf(() => open(indexJson({ [a.name]: 's1', [b.name]: 's1' }), { s1: [a] }));
    expect([e.message, e.tensor]).toEqual([`${INDEX}: tensor "${b.name}": the index assigns it to shard "s1", which does not contain it`, b.name]);
  });

  test('the index assigns a tensor to one shard but it is in another', () => {
    const e = errorOf(() => open(indexJson({ [a.name]: 's1', [b.name]: 's1', [c.name]: 's2' }), { s1: [a, c], s2: [b] }));
    expect(e.message).toBe(`${INDEX}: tensor "${b.name}": the index assigns it to shard "s1", but it is in shard "s2"`);
  });

  test('the same tensor in two shards', () => {
    const e = errorOf(() => open(indexJson({ [a.name]: 's1', [b.name]: 's2' }), { s1: [a, b], s2: [b] }));
    expect([e.message, e.tensor]).toEqual([`${INDEX}: tensor "${b.name}": tensor is stored in two shards: "s1" and "s2"`, b.name]);
  });

  test('a shard holds a tensor the index does not list', () => {
    const e = errorOf(() => open(indexJson({ [a.name]: 's1' }), { s1: [a, c] }));
    expect(e.message).toBe(`${INDEX}: tensor "${c.name}": shard "s1" holds this tensor, but the index does not list it`);
  });

  test('a corrupt shard is reported under the shard\'s own name', () => {
    const e = errorOf(() => ShardedCheckpoint.open(INDEX, indexJson({ w: 's1' }), () => bytesSource('s1', new Uint8Array(3))));
    expect([e.file, e.message]).toEqual(['s1', 's1: file is 3 bytes, shorter than the 8-byte header length']);
  });
});
