/** `controlmllm generate` and `controlmllm preprocess` from the command line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { encodePng } from '../../src/io/image.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { Rng } from '../../src/tensor/random.js';
import { relError } from '../helpers/op-cases.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const work = mkdtempSync(path.join(tmpdir(), 'cli-'));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('controlmllm generate', () => {
  const model = tinyModelDir();
  const image = path.join(work, 'img.png');
  const rng = new Rng(3);
  writeFileSync(image, encodePng({ width: 40, height: 30, data: Uint8Array.from({ length: 40 * 30 * 3 }, () => rng.int(256)) }));

  it('streams the same text it reports in --json, greedy and reproducible', async () => {
    const args = ['generate', '--model', model, '--image', image, '--question', 'What?', '--max-new-tokens', '6'];
    const streamed = await run(args);
    const json = await run([...args, '--json']);
    expect(streamed.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.tokens.length).toBeLessThanOrEqual(6);
    expect(out.finishReason === 'eos' || out.tokens.length === 6).toBe(true);
    expect(out.prompt).toBe('USER: <image>\nWhat? ASSISTANT:');
    expect(streamed.stdout.trim()).toBe(out.answer);
    expect(JSON.parse((await run([...args, '--json'])).stdout).tokens).toEqual(out.tokens);
  });

  it('samples with a seed: same seed same tokens', async () => {
    const args = ['generate', '--model', model, '--image', image, '--question', 'What?', '--max-new-tokens', '8', '--temperature', '1.5', '--json'];
    const a = JSON.parse((await run([...args, '--seed', '1'])).stdout).tokens;
    const b = JSON.parse((await run([...args, '--seed', '1'])).stdout).tokens;
    expect(a).toEqual(b);
  });

  it('rejects bad flags with a message', async () => {
    const r = await run(['generate', '--model', model, '--image', image, '--question', 'q', '--temperature=-1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--temperature must be a number in [0, 100], got '-1'");
    const u = await run(['generate', '--model', model, '--image', image, '--question', 'q', '--nope']);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain("Unknown option '--nope'");
  });
});

describe('controlmllm preprocess', () => {
  it('writes pixel_values and resized_u8 matching Pillow + CLIPImageProcessor', async () => {
    const out = path.join(work, 'pre.safetensors');
    const r = await run(['preprocess', '--image', path.join(fixtures, 'preprocess', 'images', 'wide_517x389.png'),
      '--processor', path.join(fixtures, 'llava-1.5-7b-hf', 'preprocessor_config.json'), '--out', out]);
    expect(r.code).toBe(0);
    const ours = openSafetensorsFile(out);
    const ref = openSafetensorsFile(path.join(fixtures, 'preprocess', 'images.safetensors'));
    expect(ours.info('pixel_values').shape).toEqual([1, 3, 336, 336]);
    expect(relError(ours.readFloat32('pixel_values'), ref.readFloat32('wide_517x389.pixel_values'))).toBeLessThan(1e-5);
    const a = ours.read('resized_u8').data as Uint8Array;
    const b = ref.read('wide_517x389.crop336').data as Uint8Array;
    let maxDiff = 0;
    a.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[i]))));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
  it('needs a processor config', async () => {
    const r = await run(['preprocess', '--image', 'x.png', '--out', 'y']);
    expect(r.stderr).toContain('one of --model / --processor are required');
  });
});
