/** `controlmllm trace` on the tiny-qwen25vl folder: the fixture's names and values, and the method's outputs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { traceCommand } from '../../src/cli/commands/trace.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { maxAbs, qints, qref, qwenDir, relErr } from '../model/qwen2_5_vl/qwen-fixture.js';

function capture() {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) } };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trace-qwen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = path.join(qwenDir, 'fixture.safetensors');
const base = () => ['--model', qwenDir, '--input-ids', qints('input_ids').join(','), '--pixel-values', `${fixture}:pixel_values`, '--image-grid-thw', '1,8,12', '--backend', 'cpu'];

describe('controlmllm trace on a Qwen2.5-VL folder', () => {
  it('writes the fixture intermediates under the fixture names', async () => {
    const out = path.join(dir, 'trace.safetensors');
    const { o, io } = capture();
    expect(await traceCommand.run([...base(), '--out', out, '--new-tokens', '5'], io)).toBe(0);
    expect(o.err).toMatch(/backend: cpu/);
    const f = openSafetensorsFile(out);
    const floats = [
      'vision_patch_embed', 'vision_rotary_pos_emb', ...[0, 1, 2, 3].map((i) => `vision_blocks.${i}`), 'vision_merger_out_window_order',
      'image_embeds', 'merged_inputs_embeds', ...[0, 1, 2, 3].map((i) => `decoder_hidden_states.${i}`), 'logits',
    ];
    for (const name of floats) {
      expect([name, f.info(name).shape]).toEqual([name, qref(name).shape]);
      expect([name, relErr(f.readFloat32(name), qref(name).data) < 1e-4]).toEqual([name, true]);
    }
    for (const i of [0, 1, 2]) expect(maxAbs(f.readFloat32(`attentions.${i}`), qref(`attentions.${i}`).data)).toBeLessThan(1e-5);
    for (const name of ['vision_window_index', 'vision_cu_window_seqlens', 'vision_cu_seqlens', 'position_ids', 'rope_deltas', 'greedy_new_tokens', 'image_token_positions']) {
      expect([name, f.info(name).shape, Array.from(f.readFloat64(name))]).toEqual([name, qref(name).shape, qints(name)]);
    }
  });

  it('--region-mask with --energy pp|v1 writes energy and energy_grad_z; --optimize pp the trajectory', async () => {
    for (const mode of ['pp', 'v1'] as const) {
      const out = path.join(dir, `energy-${mode}.safetensors`);
      expect(await traceCommand.run([...base(), '--out', out, '--region-mask', `${fixture}:region_mask_flat`, '--energy', mode], capture().io)).toBe(0);
      const f = openSafetensorsFile(out);
      expect(Math.abs(f.readFloat32('energy')[0] - qref(`${mode}_energy`).data[0]) / qref(`${mode}_energy`).data[0]).toBeLessThan(1e-5);
      expect(relErr(f.readFloat32('energy_grad_z'), qref(`${mode}_energy_grad_z`).data)).toBeLessThan(1e-4);
      expect(relErr(f.readFloat32('attn_to_image'), qref(`${mode}_attn_to_image`).data)).toBeLessThan(1e-5);
    }
    const out = path.join(dir, 'opt.safetensors');
    expect(await traceCommand.run([...base(), '--out', out, '--region-mask', `${fixture}:region_mask_flat`, '--optimize', 'pp'], capture().io)).toBe(0);
    const f = openSafetensorsFile(out);
    expect(relErr(f.readFloat32('losses'), qref('pp_losses').data)).toBeLessThan(1e-4);
    expect(maxAbs(f.readFloat32('final_delta'), qref('pp_final_latent').data)).toBeLessThan(2e-4);
    expect(Array.from(f.readFloat64('tokens'))).toEqual(qints('pp_tokens'));
  });

  it('needs --image-grid-thw with --pixel-values on a Qwen folder', async () => {
    const { o, io } = capture();
    const argv = base().filter((a, i, all) => a !== '--image-grid-thw' && all[i - 1] !== '--image-grid-thw');
    expect(await traceCommand.run([...argv, '--out', path.join(dir, 'x.safetensors')], io)).toBe(1);
    expect(o.err).toMatch(/Qwen2.5-VL folder: --pixel-values needs --image-grid-thw t,h,w/);
    const c = capture();
    expect(await traceCommand.run([...base(), '--image-grid-thw', '1,8', '--out', 'x'], c.io)).toBe(2);
    expect(c.o.err).toMatch(/expected three positive integers t,h,w/);
  });
});
