/** `controlmllm trace` with an image + question, and with ControlMLLM energies / optimisation. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { encodePng } from '../../src/io/image.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { Rng } from '../../src/tensor/random.js';
import { relError } from '../helpers/op-cases.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-llava');
const fixture = path.join(dir, 'fixture.safetensors');
const meta = JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8'));
const ref = openSafetensorsFile(fixture);
const ids = Array.from(ref.readFloat64('input_ids')).join(',');
const work = mkdtempSync(path.join(tmpdir(), 'trace-cm-'));

async function trace(args: string[]) {
  let stderr = '';
  const out = path.join(work, `t${Math.random().toString(36).slice(2)}.safetensors`);
  const code = await main(['trace', '--model', dir, '--input-ids', ids, '--pixel-values', `${fixture}:pixel_values`, '--out', out, ...args], {
    stdout: () => {},
    stderr: (s) => (stderr += s),
  });
  return { code, stderr, file: code === 0 ? openSafetensorsFile(out) : null };
}

describe('trace --region-mask --energy', () => {
  it.each([
    ['v1', 'region_mask_flat', 'v1_energy', 'v1_energy_grad_z', 'v1_attn_to_image'],
    ['last', 'region_mask_flat', 'energy', 'energy_grad_z', 'energy_attn_to_image'],
    ['v1', 'soft_weights', 'soft_energy', 'soft_energy_grad_z', null],
  ] as const)('--energy %s with %s reproduces %s', async (mode, mask, e, g, a) => {
    const r = await trace(['--region-mask', `${fixture}:${mask}`, '--energy', mode]);
    expect(r.code).toBe(0);
    expect(relError(r.file!.readFloat32('energy'), ref.readFloat32(e))).toBeLessThan(1e-4);
    expect(relError(r.file!.readFloat32('energy_grad_z'), ref.readFloat32(g))).toBeLessThan(1e-3);
    if (a) expect(relError(r.file!.readFloat32('attn_to_image'), ref.readFloat32(a))).toBeLessThan(1e-4);
  });
});

describe('trace --optimize', () => {
  it('v1 (accumulate, early stop) reproduces losses, final_delta and tokens', async () => {
    const s = meta.v1_settings;
    const r = await trace(['--region-mask', `${fixture}:region_mask_flat`, '--optimize', 'v1', '--steps', String(s.T), '--alpha', String(s.alpha),
      '--lr', String(s.lr), '--beta', String(s.beta), '--early-stop', String(s.thr), '--accumulate', '--new-tokens', '5']);
    expect(r.code).toBe(0);
    expect(relError(r.file!.readFloat32('losses'), ref.readFloat32('v1_acc_es_losses'))).toBeLessThan(1e-3);
    expect(relError(r.file!.readFloat32('final_delta'), ref.readFloat32('v1_acc_es_final_delta'))).toBeLessThan(1e-3);
    expect(Array.from(r.file!.readFloat64('tokens')).slice(0, 2)).toEqual(meta.trajectories.v1_acc_es.tokens.slice(0, 2));
  });
  it('pp reproduces losses and final_delta', async () => {
    const s = meta.pp_settings;
    const r = await trace(['--region-mask', `${fixture}:region_mask_flat`, '--optimize', 'pp', '--steps', String(s.steps), '--alpha', String(s.alpha),
      '--lr', String(s.lr), '--eps', String(s.eps), '--layers', String(s.layers[0])]);
    expect(r.code).toBe(0);
    expect(relError(r.file!.readFloat32('losses'), ref.readFloat32('pp_losses'))).toBeLessThan(1e-3);
    expect(relError(r.file!.readFloat32('final_delta'), ref.readFloat32('pp_final_delta'))).toBeLessThan(1e-3);
  });
  it('--energy without --region-mask is a usage error', async () => {
    const r = await trace(['--energy', 'v1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--energy and --optimize need --region-mask');
  });
});

describe('trace --image --question', () => {
  it('preprocesses, tokenises with the chat template, and writes pixel_values and input_ids', async () => {
    const model = tinyModelDir();
    const img = path.join(work, 'img.png');
    const rng = new Rng(1);
    writeFileSync(img, encodePng({ width: 45, height: 30, data: Uint8Array.from({ length: 45 * 30 * 3 }, () => rng.int(256)) }));
    const out = path.join(work, 'image-trace.safetensors');
    const code = await main(['trace', '--model', model, '--image', img, '--question', 'Hi?', '--out', out], { stdout: () => {}, stderr: () => {} });
    expect(code).toBe(0);
    const f = openSafetensorsFile(out);
    expect(f.info('pixel_values').shape).toEqual([1, 3, 30, 30]);
    const written = Array.from(f.readFloat64('input_ids'));
    expect(written[0]).toBe(1);
    expect(written).toContain(98);
    expect(f.info('merged_inputs_embeds').shape).toEqual([1, written.length + 24, 32]);
  });
});
