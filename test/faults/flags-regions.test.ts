/**
 * Issue 13 findings 8 and 10: flag values out of range are refused with the allowed range before
 * anything is built; negative numbers after a flag parse; region inputs with too little data, JSON
 * null or the wrong shape are RegionErrors naming the input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { layersFlag, withNegativeValues } from '../../src/cli/flags.js';
import { regionsFromFlags } from '../../src/cli/regions-args.js';
import { regionWeights, RegionError } from '../../src/controlmllm/regions.js';
import type { PreprocessGeometry } from '../../src/io/clip-preprocess-geometry.js';
import { encodePng } from '../../src/io/image.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';
import { bounded } from './bounded.js';

const model = tinyModelDir();
const work = mkdtempSync(path.join(tmpdir(), 'flags-'));
const image = path.join(work, 'img.png');
writeFileSync(image, encodePng({ width: 30, height: 30, data: Uint8Array.from({ length: 2700 }, (_, i) => i % 253) }));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}
const ask = ['ask', '--model', model, '--image', image, '--question', 'What?', '--box', '0,0,12,12', '--backend', 'cpu'];

describe('flags (finding 8)', () => {
  it('--layers 0-1000000000 is refused without expanding the range', () => {
    const { error } = bounded(() => layersFlag('0-1000000000', '--layers'), { seconds: 1, megabytes: 10 });
    expect(error!.message).toBe('--layers 0-1000000000: layer indices must lie in [-4095, 4095]');
  });

  it('--backend wasm:1e3 is refused with the allowed thread count', async () => {
    const r = await run([...ask, '--backend', 'wasm:1e3']);
    expect(r.code).toBe(1);
    const n = availableParallelism();
    expect(r.stderr).toContain(`--backend wasm:THREADS must be an integer in [1, ${n}] (this machine has ${n} cores), got '1e3'`);
  });

  it('--wasm-arrays-mib takes a whole number of MiB; 0 runs on host arrays with the same energies and answer', async () => {
    const bad = await run([...ask, '--wasm-arrays-mib', '1.5']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--wasm-arrays-mib must be a whole number of MiB, got '1.5'");
    const wasm = ask.map((a) => (a === 'cpu' ? 'wasm:1' : a));
    const [host, resident] = [await run([...wasm, '--wasm-arrays-mib', '0', '--json']), await run([...wasm, '--json'])];
    expect([host.code, resident.code]).toEqual([0, 0]);
    const [h, r] = [JSON.parse(host.stdout), JSON.parse(resident.stdout)];
    expect(h.energies.length).toBeGreaterThan(0);
    expect(h.energies).toEqual(r.energies); // the same kernels, in place or through the scratch slots
    expect(h.controlledTokens).toEqual(r.controlledTokens);
  });

  it.each([
    [['--contrastive', '1e308,1e308', '--method', 'pp'], "--contrastive alpha must be a number in [0, 100], got '1e308'"],
    [['--beta', '2'], "--beta must be a number in [0, 1], got '2'"],
    [['--steps', '-3'], "--steps must be an integer in [0, 1000], got '-3'"],
    [['--steps', '1e9'], "--steps must be an integer in [0, 1000], got '1e9'"],
    [['--sigma', '0'], "--sigma must be a number in (0, 100], got '0'"],
  ])('ask %j is refused: %s', async (flags, message) => {
    const r = await run([...ask, ...flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('generate --top-p 2 is refused with the range', async () => {
    const r = await run(['generate', '--model', model, '--image', image, '--question', 'Hi?', '--top-p', '2', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--top-p must be a number in (0, 1], got '2'");
  });

  it('negative numbers after a flag parse as its value (--box -50,… needs no "=")', async () => {
    expect(withNegativeValues(['--box', '-5,-5,20,20', '--json', '--layers', '-1'], { box: { type: 'string' }, json: { type: 'boolean' }, layers: { type: 'string' } }))
      .toEqual(['--box=-5,-5,20,20', '--json', '--layers=-1']);
    const r = await run(['ask', '--model', model, '--image', image, '--question', 'What?', '--box', '-5,-5,20,20', '--steps', '1', '--max-new-tokens', '2', '--json', '--backend', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).steps).toBe(1);
  });
});

describe('regions (finding 10)', () => {
  const g: PreprocessGeometry = {
    originalWidth: 30, originalHeight: 30, padLeft: 0, padTop: 0, paddedWidth: 30, paddedHeight: 30,
    resizedWidth: 30, resizedHeight: 30, cropLeft: 0, cropTop: 0, size: 30,
  };
  it('a mask with too little data is an error, not 100 % inside', () => {
    expect(() => regionWeights({ type: 'mask', width: 30, height: 30, data: new Uint8Array(10).fill(1) }, g, 5)).toThrow(
      new RegionError('mask data has 10 values, expected 30×30 = 900 (one per pixel)'),
    );
  });

  it.each([['null'], ['{"points": null}'], ['[[1, 2], [3]]'], ['7']])('scribble JSON %s is a RegionError naming the file', (text) => {
    const file = path.join(work, 'scribble.json');
    writeFileSync(file, text);
    expect(() => regionsFromFlags({ scribble: file })).toThrow(RegionError);
    expect(() => regionsFromFlags({ scribble: file })).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: expected a JSON list of \\[x, y\\] points`));
  });
});
