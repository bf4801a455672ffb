/**
 * scripts/random-qwen-checkpoint.ts on a tiny config (the tiny-qwen25vl sizes, vocab padded past the special
 * tokens): shards + index with every name of the module tree, deterministic BF16/F16 values (norms 1,
 * biases 0, the rest uniform with std 0.02), loadable by the project's loader with halfWeights, `inspect`
 * clean, the tokenizer's special tokens at the config's ids, and no overwrite of an existing checkpoint.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';
import { qwenParameterSpecs } from '../../src/model/qwen2_5_vl/load.js';
import { loadQwen25VL, readQwenConfig } from '../../src/model/qwen2_5_vl/load-node.js';
import { openCheckpoint } from '../../src/safetensors/node.js';
import { HalfWeight } from '../../src/tensor/half.js';
import { writeRandomQwenCheckpoint } from '../../scripts/random-qwen-checkpoint.js';
import { qwenConfigJson } from '../model/qwen2_5_vl/qwen-fixture.js';

const work = mkdtempSync(path.join(tmpdir(), 'random-qwen-'));
const configJson = { ...qwenConfigJson, vocab_size: 230 }; // ids 200…229: reserved tokens above the specials
const dir = path.join(work, 'bf16');
const shards = writeRandomQwenCheckpoint(configJson, dir, { shards: 3, seed: 7 });

const values = (d: string, name: string): Float32Array => openCheckpoint(d).readFloat32(name);

describe('random Qwen2.5-VL checkpoint', () => {
  it('writes the Hub layout: 3 shards + index naming every parameter of the module tree, BF16', () => {
    expect(shards).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    const index = JSON.parse(readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    const specs = qwenParameterSpecs(readQwenConfig(dir));
    expect(Object.keys(index.weight_map).sort()).toEqual(specs.map((s) => s.name).sort());
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(shards));
    const params = specs.reduce((n, s) => n + s.shape.reduce((p, d) => p * d, 1), 0);
    expect(index.metadata.total_size).toBe(2 * params);
    const src = openCheckpoint(dir);
    expect(src.info('visual.blocks.0.attn.qkv.weight')).toMatchObject({ dtype: 'BF16', shape: [96, 32] });
    expect(src.info('lm_head.weight').shape).toEqual([230, 48]);
    expect(readdirSync(dir).sort()).toEqual([...shards, 'config.json', 'model.safetensors.index.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'].sort());
  });

  it('values: norms 1, biases 0, weights uniform with std 0.02; the same seed gives the same bytes, another seed others', () => {
    expect(values(dir, 'model.norm.weight').every((x) => x === 1)).toBe(true);
    expect(values(dir, 'visual.merger.ln_q.weight').every((x) => x === 1)).toBe(true);
    expect(values(dir, 'model.layers.0.self_attn.q_proj.bias').every((x) => x === 0)).toBe(true);
    const w = values(dir, 'model.embed_tokens.weight');
    const mean = w.reduce((s, x) => s + x, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.02 * Math.sqrt(3) * 1.01);
    const again = path.join(work, 'again');
    writeRandomQwenCheckpoint(configJson, again, { shards: 3, seed: 7 });
    for (const f of shards) expect(readFileSync(path.join(again, f)).equals(readFileSync(path.join(dir, f)))).toBe(true);
    const other = path.join(work, 'other');
    writeRandomQwenCheckpoint(configJson, other, { shards: 1, seed: 8, dtype: 'F16' });
    expect(openCheckpoint(other).info('model.embed_tokens.weight').dtype).toBe('F16');
    const a = values(dir, 'lm_head.weight');
    const b = values(other, 'lm_head.weight');
    expect(a.filter((x, i) => Math.abs(x - b[i]) > 1e-3).length).toBeGreaterThan(a.length / 2);
  });

  it('loads with halfWeights (Linear weights stay 2-byte) and inspect finds every tensor', async () => {
    const model = loadQwen25VL(dir, { halfWeights: true });
    expect(model.model.layers[0].self_attn.q_proj.weight).toBeInstanceOf(HalfWeight);
    expect(model.visual.blocks[3].mlp.down_proj.weight).toBeInstanceOf(HalfWeight);
    let stdout = '';
    const code = await main(['inspect', '--model', dir], { stdout: (s) => (stdout += s), stderr: () => {} });
    expect(stdout).toMatch(/weights: all 93 tensors present with the expected shapes/);
    expect(code).toBe(0);
  });

  it('tokenizer: the Qwen special tokens at the config ids, reserved tokens up to vocab_size, ASCII round-trips', async () => {
    const tok = await loadTokenizerFromDir(dir);
    expect(tok.encode('<|vision_start|><|image_pad|><|vision_end|>')).toEqual([195, 198, 196]);
    expect(tok.decode([229])).toBe('<|reserved_229|>');
    expect(tok.decode(tok.encode('Hello, world!\n'))).toBe('Hello, world!\n');
  });

  it('refuses to write over an existing checkpoint, and a config whose image token is not after vision_start', () => {
    const before = statSync(path.join(dir, shards[0])).mtimeMs;
    expect(() => writeRandomQwenCheckpoint(configJson, dir, { shards: 3 })).toThrow(/already exists; refusing to overwrite/);
    expect(statSync(path.join(dir, shards[0])).mtimeMs).toBe(before);
    expect(() => writeRandomQwenCheckpoint({ ...configJson, image_token_id: 190 }, path.join(work, 'bad'))).toThrow(/image_token_id 190/);
  });
});
