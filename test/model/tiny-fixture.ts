/**
 * The tiny-llava golden data (test/fixtures/tiny-llava, copied from shared/fixtures/tiny-llava): HF
 * transformers 4.37.0.dev0 LlavaForConditionalGeneration in float32 on CPU, eager attention. Tolerance:
 * max |ours − ref| / max |ref| ≤ 1e-4 (the fixture README's float32 re-implementation bound).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import type { Tensor } from '../../src/tensor/index.js';

export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const tinyDir = path.join(fixturesDir, 'tiny-llava');
export const tinyMeta = JSON.parse(readFileSync(path.join(tinyDir, 'fixture.json'), 'utf8'));
const golden = openSafetensorsFile(path.join(tinyDir, 'fixture.safetensors'));

export function ref(name: string): { data: Float32Array; shape: number[] } {
  return { data: golden.readFloat32(name), shape: golden.info(name).shape };
}

/** The fixture's input ids and its pixel_values as a tensor-ready array. */
export const inputIds = (): number[] => Array.from(ref('input_ids').data);

/** max |a − b| / max |b|. */
export function relErr(ours: ArrayLike<number>, want: ArrayLike<number>): number {
  if (ours.length !== want.length) throw new Error(`length ${ours.length} vs ${want.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(ours[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

/** Shape and values of `t` against fixture array `name`. */
export function compare(t: Tensor, name: string): number {
  const r = ref(name);
  expect([...t.shape]).toEqual(r.shape);
  return relErr(t.toTypedArray(), r.data);
}
