/**
 * The CLI on Qwen2.5-VL folders: inspect (the tiny fixture and the published 7B sizes, headers only),
 * preprocess (the fixture's pixel_values), generate and ask end to end on the tiny model with a
 * byte-level BPE tokenizer, --max-pixels, and the errors for what is not implemented.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { prepare } from '../../src/controlmllm/session.js';
import { loadSession } from '../../src/controlmllm/session-node.js';
import { readImageFile } from '../../src/io/image-node.js';
import { generate } from '../../src/model/generate.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { noGrad } from '../../src/tensor/index.js';
import { tinyQwenDir } from '../helpers/qwen-model-dir.js';
import { maxAbs, qref, qwenConfigJson, qwenDir } from '../model/qwen2_5_vl/qwen-fixture.js';

const work = mkdtempSync(path.join(tmpdir(), 'qwen-cli-'));
const model = tinyQwenDir();
const image = path.join(qwenDir, 'image.png');

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('controlmllm on a Qwen2.5-VL folder', () => {
  it('inspect: config, parameters per component, all weights present', async () => {
    const r = await run(['inspect', '--model', qwenDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vision: Qwen2.5-VL ViT, 4 blocks, hidden 32, 4 heads.*full attention in blocks 1,3/);
    expect(r.stdout).toMatch(/text: Qwen2, 3 layers, hidden 48, 4 heads \(2 kv\) × 12.*mrope_section 1,2,3/);
    expect(r.stdout).toMatch(/weights: all 93 tensors present with the expected shapes/);
  });

  it('inspect: the published Qwen2.5-VL-7B sizes count 8,292,166,656 parameters (config only: no weights)', async () => {
    const dir = mkdtempSync(path.join(work, '7b-'));
    const { vision_config: _v, ...top } = qwenConfigJson;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
      ...top, hidden_size: 3584, intermediate_size: 18944, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4, vocab_size: 152064,
      rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] },
      vision_config: { depth: 32, hidden_size: 1280, intermediate_size: 3420, num_heads: 16, window_size: 112, fullatt_block_indexes: [7, 15, 23, 31], out_hidden_size: 3584 },
    }));
    const r = await run(['inspect', '--model', dir]);
    expect(r.stdout).toMatch(/vision tower\s+631,975,680/);
    expect(r.stdout).toMatch(/merger\s+44,574,464/);
    expect(r.stdout).toMatch(/language model\s+7,615,616,512/);
    expect(r.stdout).toMatch(/total\s+8,292,166,656/);
    expect(r.stdout).toMatch(/loading problem: .*(model\.safetensors|safetensors)/);
    expect(r.code).toBe(1);
  });

  it('preprocess --model writes the fixture pixel_values and image_grid_thw', async () => {
    const out = path.join(work, 'px.safetensors');
    const r = await run(['preprocess', '--image', image, '--model', qwenDir, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/image_grid_thw \[1,8,12\] \(24 image tokens\)/);
    const f = openSafetensorsFile(out);
    expect(maxAbs(f.readFloat32('pixel_values'), qref('pixel_values').data)).toBeLessThan(1e-6);
    expect(Array.from(f.readFloat64('image_grid_thw'))).toEqual([1, 8, 12]);
    expect(Array.from(f.readFloat64('resized_u8'))).toEqual(Array.from(qref('resized_rgb').data));
  });

  it('generate: the chat prompt, 24 image tokens, the same tokens as the API; --max-pixels shrinks the grid', async () => {
    const r = await run(['generate', '--model', model, '--image', image, '--question', 'What is the red thing?', '--max-new-tokens', '4', '--json', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.prompt).toBe('<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is the red thing?<|im_end|>\n<|im_start|>assistant\n');
    expect(out.inputIds.filter((id: number) => id === 198)).toHaveLength(24);
    const session = await loadSession(model);
    const p = prepare(session, readImageFile(image), 'What is the red thing?');
    expect(p.ids).toEqual(out.inputIds);
    const embeds = noGrad(() => p.model.embedWithImageFeatures(p.ids, p.features).inputsEmbeds);
    expect(generate(p.model, embeds, { maxNewTokens: 4 }).tokens).toEqual(out.tokens);
    const small = await run(['generate', '--model', model, '--image', image, '--question', 'Hi', '--max-new-tokens', '1', '--min-pixels', '3136', '--max-pixels', '3136', '--backend', 'cpu']);
    expect(small.code).toBe(0);
    expect(small.stderr).toMatch(/image tokens: 1×2 = 2/);
    const bad = await run(['generate', '--model', model, '--image', image, '--question', 'Hi', '--max-pixels', '3136']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/min_pixels 16000 is larger than max_pixels 3136/);
  });

  it('ask --method pp on a box: energies fall, attention moves inside; heatmaps and soft prompts are refused', async () => {
    const args = ['ask', '--model', model, '--image', image, '--question', 'What is in the box?', '--box', '30,20,120,45', '--box-format', 'xyxy', '--method', 'pp',
      '--alpha', '400', '--steps', '3', '--max-new-tokens', '3', '--backend', 'cpu'];
    const r = await run([...args, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.energies).toHaveLength(3);
    expect(out.energies[2]).toBeLessThan(out.energies[0]);
    expect(out.insideRatio.after).toBeGreaterThan(out.insideRatio.before);
    const text = await run(args);
    expect(text.stdout).toMatch(/image tokens: 4×6 = 24/);
    const h = await run([...args, '--heatmap', path.join(work, 'h')]);
    expect(h.code).not.toBe(0);
    expect(h.stderr).toMatch(/heatmaps need a square token grid; this model's is 4×6/);
    const pt = await run(['ask', '--model', model, '--image', image, '--question', 'Hi', '--point', '20,20', '--backend', 'cpu']);
    expect(pt.code).not.toBe(0);
    expect(pt.stderr).toMatch(/Qwen2.5-VL: only box regions are implemented/);
  });
});
