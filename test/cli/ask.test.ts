/**
 * `controlmllm ask` end to end on a test model (the tiny HF LLaVA with a character tokenizer): both
 * answers, per-step energies, and two heatmap PNGs decoded and checked — same size as the image, and
 * the region brighter after the optimisation than before.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { decodeImage, encodePng } from '../../src/io/image.js';
import { Rng } from '../../src/tensor/random.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';
import { writeFileSync } from 'node:fs';

const model = tinyModelDir();
const work = mkdtempSync(path.join(tmpdir(), 'ask-'));
const imageFile = path.join(work, 'image.png');
const rng = new Rng(7);
writeFileSync(imageFile, encodePng({ width: 30, height: 30, data: Uint8Array.from({ length: 30 * 30 * 3 }, () => rng.int(256)) }));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** Mean luminance of the pixels [x0, x1) × [y0, y1). */
function luminance(file: string, x0: number, y0: number, x1: number, y1: number): number {
  const img = decodeImage(readFileSync(file), file);
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
    const i = 3 * (y * img.width + x);
    sum += 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
  }
  return sum / ((x1 - x0) * (y1 - y0));
}

/** Σ a·w / Σ a with w scaled to peak 1, from the --json grids. */
function shareFromGrids(attention: number[][], weights: number[][]): number {
  const a = attention.flat();
  const w = weights.flat();
  const peak = Math.max(...w);
  return a.reduce((s, v, i) => s + (v * w[i]) / peak, 0) / a.reduce((s, v) => s + v, 0);
}

describe('controlmllm ask', () => {
  it('prints both answers, the energies per step, timings, and writes heatmaps', async () => {
    const prefix = path.join(work, 'attn');
    const r = await run(['ask', '--model', model, '--image', imageFile, '--question', 'What is it?', '--box', '0,0,12,12',
      '--alpha', '40', '--steps', '5', '--early-stop', 'off', '--max-new-tokens', '4', '--heatmap', prefix]);
    expect(r.stderr).toMatch(/step 1 {2}energy [\d.]+ {2}inside [\d.]+%/);
    expect(r.stderr).toMatch(/step 5 {2}energy/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^baseline: {3}\S/m);
    expect(r.stdout).toMatch(/^controlled: \S/m);
    expect(r.stdout).toMatch(/energy: [\d.]+ → [\d.]+ → [\d.]+ → [\d.]+ → [\d.]+ \(5 steps, done\)/);
    expect(r.stdout).toMatch(/timings: encode [\d.]+ s, baseline/);
    const [before, after] = [`${prefix}-before.png`, `${prefix}-after.png`];
    expect(existsSync(before) && existsSync(after)).toBe(true);
    const img = decodeImage(readFileSync(after), after);
    expect([img.width, img.height]).toEqual([30, 30]);
    // The box covers cells (0..1, 0..1) = pixels [0, 12)²: brighter after than before.
    expect(luminance(after, 0, 0, 12, 12)).toBeGreaterThan(luminance(before, 0, 0, 12, 12) + 5);
  });

  it('--json gives a machine-readable result whose energies fall and whose inside ratio rises', async () => {
    const r = await run(['ask', '--model', model, '--image', imageFile, '--question', 'What is it?', '--point', '20,20',
      '--method', 'pp', '--alpha', '400', '--steps', '3', '--max-new-tokens', '3', '--layers', '1', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.method).toBe('pp');
    expect(out.energies).toHaveLength(3);
    expect(out.energies[2]).toBeLessThan(out.energies[0]);
    expect(out.insideRatio.after).toBeGreaterThan(out.insideRatio.before);
    expect(out.controlledTokens).toHaveLength(3);
    expect(typeof out.baseline).toBe('string');
    // What the page plots: per-step energy and in-region share, the region grid and the attention grids.
    expect(out.perStep.map((s: { energy: number }) => s.energy)).toEqual(out.energies);
    expect(out.perStep.map((s: { step: number }) => s.step)).toEqual([1, 2, 3]);
    expect(out.grid).toBe(5);
    expect(out.regions).toHaveLength(1);
    expect(out.regions[0].soft).toBe(true);
    expect(out.regions[0].weights.map((r: number[]) => r.length)).toEqual([5, 5, 5, 5, 5]);
    expect(out.attention.after).toHaveLength(5);
    expect(shareFromGrids(out.attention.before, out.regions[0].weights)).toBeCloseTo(out.insideRatio.before, 5);
    expect(shareFromGrids(out.attention.after, out.regions[0].weights)).toBeCloseTo(out.insideRatio.after, 5);
    expect(out.perStep[0].insideRatio).toBeCloseTo(out.insideRatio.before, 5); // step 1 measures the zero latent
  });

  it('the in-region share of a soft prompt stays a share (v1 point: σ 0.1, Gaussian weights above 1)', async () => {
    const r = await run(['ask', '--model', model, '--image', imageFile, '--question', 'What is it?', '--point', '20,20',
      '--steps', '2', '--max-new-tokens', '2', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Math.max(...out.regions[0].weights.flat())).toBeGreaterThan(1.5); // raw weights exceed 1: the share must not
    for (const v of [out.insideRatio.before, out.insideRatio.after, ...out.perStep.map((s: { insideRatio: number }) => s.insideRatio)]) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(shareFromGrids(out.attention.after, out.regions[0].weights)).toBeCloseTo(out.insideRatio.after, 5);
  });

  it('bad input gets a clear error', async () => {
    const noRegion = await run(['ask', '--model', model, '--image', imageFile, '--question', 'q']);
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('give a region: --box');
    const badBox = await run(['ask', '--model', model, '--image', imageFile, '--question', 'q', '--box', '1,2,3']);
    expect(badBox.stderr).toContain("--box must be 4 comma-separated numbers, got '1,2,3'");
    const badMethod = await run(['ask', '--model', model, '--image', imageFile, '--question', 'q', '--box', '0,0,5,5', '--method', 'v3']);
    expect(badMethod.stderr).toContain("--method must be v1 or pp, got 'v3'");
    const badLayer = await run(['ask', '--model', model, '--image', imageFile, '--question', 'q', '--box', '0,0,12,12', '--layers', '7']);
    expect(badLayer.code).toBe(1);
    expect(badLayer.stderr).toContain('layer 7 is out of range for a decoder of 2 layers');
    const missing = await run(['ask', '--model', path.join(work, 'nope'), '--image', imageFile, '--question', 'q', '--box', '0,0,5,5']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope');
  });
});
