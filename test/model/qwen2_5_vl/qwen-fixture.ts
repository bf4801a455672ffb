/**
 * The tiny-qwen25vl golden data (test/fixtures/tiny-qwen25vl, copied from shared/fixtures/tiny-qwen25vl):
 * HF transformers ~4.50 Qwen2_5_VLForConditionalGeneration in float32 on CPU, eager attention, plus
 * ControlMLLM++ (mrwu-mac/ControlMLLM@57e16e7). Tolerances: the fixture README's suggested checks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openSafetensorsFile } from '../../../src/safetensors/node.js';
import { fromArray, type Tensor } from '../../../src/tensor/index.js';
import { fixturesDir, relErr } from '../tiny-fixture.js';

export { relErr };
export const qwenDir = path.join(fixturesDir, 'tiny-qwen25vl');
export const qwenMeta = JSON.parse(readFileSync(path.join(qwenDir, 'fixture.json'), 'utf8'));
export const qwenConfigJson = JSON.parse(readFileSync(path.join(qwenDir, 'config.json'), 'utf8'));
const golden = openSafetensorsFile(path.join(qwenDir, 'fixture.safetensors'));

export function qref(name: string): { data: Float32Array; shape: number[] } {
  return { data: golden.readFloat32(name), shape: golden.info(name).shape };
}
export const qtensor = (name: string): Tensor => {
  const r = qref(name);
  return fromArray(r.data, r.shape);
};
export const qints = (name: string): number[] => Array.from(qref(name).data);

/** Shape and max |ours − ref| / max |ref| of `t` against fixture array `name`. */
export function qcompare(t: Tensor, name: string): number {
  const r = qref(name);
  expect([...t.shape]).toEqual(r.shape);
  return relErr(t.toTypedArray(), r.data);
}

/** max |a − b|. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
