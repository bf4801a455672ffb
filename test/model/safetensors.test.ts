/**
 * The safetensors reader on the real fixtures (written by Python), plus writer → reader round trips,
 * exact F16/BF16 bit conversions, and lazy reading. Malformed files: safetensors-errors.test.ts;
 * sharded checkpoints: safetensors-sharded.test.ts; random mutations: safetensors-fuzz.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SafetensorsFile, bytesSource, writeSafetensors, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16,
  type ByteSource, type StDtype,
} from '../../src/model/safetensors.js';
import { fileSource, openSafetensorsFile } from '../../src/model/safetensors-node.js';

const FIXTURES = path.join(process.cwd(), 'test', 'fixtures');

describe('real fixtures', () => {
  test('ops.safetensors: every case in ops.json is there with its shapes, all F64', () => {
    const ops = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ops', 'ops.json'), 'utf8')) as {
      cases: Array<{ name: string; inputs: number; shapes: number[][]; out_shape: number[] }>;
    };
    const f = openSafetensorsFile(path.join(FIXTURES, 'ops', 'ops.safetensors'));
    expect(ops.cases.length).toBe(41);
    for (const c of ops.cases) {
      for (let i = 0; i < c.inputs; i++) {
        const x = f.info(`${c.name}.x${i}`);
        expect([x.name, x.dtype, x.shape]).toEqual([`${c.name}.x${i}`, 'F64', c.shapes[i]]);
      }
      expect(f.info(`${c.name}.y`).shape).toEqual(c.out_shape);
    }
    for (const name of f.names()) expect(f.info(name).dtype).toBe('F64');
    // Inputs are float32-exact values stored as F64 (fixtures/README.md): the float32 decode loses nothing.
    const x0 = f.readFloat64('matmul_2d.x0');
    expect(x0.length).toBe(7 * 13);
    expect(Array.from(f.readFloat32('matmul_2d.x0'))).toEqual(Array.from(x0));
    expect(f.read('matmul_2d.x0').data).toEqual(x0);
  });

  test('tiny-llava model.safetensors: F32 weights shaped as config.json says', () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-llava', 'config.json'), 'utf8'));
    const f = openSafetensorsFile(path.join(FIXTURES, 'tiny-llava', 'model.safetensors'));
    const V = 'vision_tower.vision_model.';
    const { vision_config: vc, text_config: tc } = cfg;
    const patch = f.read(`${V}embeddings.patch_embedding.weight`);
    expect(patch.dtype).toBe('F32');
    expect(patch.shape).toEqual([vc.hidden_size, 3, vc.patch_size, vc.patch_size]);
    expect(patch.data).toBeInstanceOf(Float32Array);
    expect(f.info(`${V}embeddings.position_embedding.weight`).shape).toEqual([(vc.image_size / vc.patch_size) ** 2 + 1, vc.hidden_size]);
    expect(f.info('language_model.model.embed_tokens.weight').shape).toEqual([tc.vocab_size, tc.hidden_size]);
    expect(f.info('language_model.lm_head.weight').shape).toEqual([tc.vocab_size, tc.hidden_size]);
    const headDim = tc.hidden_size / tc.num_attention_heads;
    expect(f.info('language_model.model.layers.1.self_attn.k_proj.weight').shape).toEqual([tc.num_key_value_heads * headDim, tc.hidden_size]);
    expect(f.names().every((n) => f.info(n).dtype === 'F32')).toBe(true);
    // 5 embedding/pre-norm + 16 per vision layer + 2 post-norm, 4 projector, embed + 9 per decoder layer + norm + lm_head.
    expect(f.names()).toHaveLength(5 + 16 * vc.num_hidden_layers + 2 + 4 + 1 + 9 * tc.num_hidden_layers + 2);
    expect(f.metadata.format).toBe('pt');
    // F32 decode is a bit-exact copy: compare with the raw bytes of the file.
    const raw = fs.readFileSync(path.join(FIXTURES, 'tiny-llava', 'model.safetensors'));
    const info = f.info('multi_modal_projector.linear_1.bias');
    const start = f.dataStart + info.begin;
    const expected = new Float32Array(raw.buffer.slice(raw.byteOffset + start, raw.byteOffset + start + info.end - info.begin));
    expect(f.readFloat32('multi_modal_projector.linear_1.bias')).toEqual(expected);
  });

  test('tiny-llava fixture.safetensors: names and shapes match fixture.json', () => {
    const fx = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-llava', 'fixture.json'), 'utf8')) as { arrays: Record<string, number[]> };
    const f = openSafetensorsFile(path.join(FIXTURES, 'tiny-llava', 'fixture.safetensors'));
    expect(new Set(f.names())).toEqual(new Set(Object.keys(fx.arrays)));
    for (const [name, shape] of Object.entries(fx.arrays)) expect(f.info(name).shape).toEqual(shape);
    // Softmax probabilities: each attention row sums to 1.
    const att = f.readFloat64('attentions.0');
    for (let row = 0; row < 4 * 34; row++) {
      let s = 0;
      for (let j = 0; j < 34; j++) s += att[row * 34 + j];
      expect(s).toBeCloseTo(1, 5);
    }
    const ids = f.readFloat64('expanded_input_ids');
    expect(ids.filter((v) => v === 98)).toHaveLength(25); // the expanded <image> token
  });
});
