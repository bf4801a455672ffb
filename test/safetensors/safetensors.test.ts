/**
 * The safetensors reader on the real fixtures (written by Python), plus writer → reader round trips,
 * exact F16/BF16 bit conversions, and lazy reading. Malformed files: safetensors-errors.test.ts;
 * sharded checkpoints: sharded.test.ts; random mutations: fuzz.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SafetensorsFile, bytesSource, writeSafetensors, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16,
  type ByteSource, type StDtype,
} from '../../src/safetensors/index.js';
import { fileSource, openSafetensorsFile } from '../../src/safetensors/node.js';

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

describe('f16 / bf16 bit conversions', () => {
  // Hand-computed: sign | 5-bit exponent (bias 15) | 10-bit mantissa.
  const f16Cases: Array<[number, number]> = [
    [0x0000, 0], [0x8000, -0], [0x3c00, 1], [0xc000, -2], [0x3555, 1365 / 4096], // 1365/4096 = f16 nearest 1/3
    [0x7bff, 65504], // largest finite: (1 + 1023/1024) × 2^15
    [0x0400, 2 ** -14], // smallest normal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0001, 2 ** -24], [0x8001, -(2 ** -24)], // smallest subnormal
    [0x7c00, Infinity], [0xfc00, -Infinity],
  ];

  test('f16ToF32 decodes normals, subnormals, ±0 and ±inf exactly; exponent 31 with a mantissa is NaN', () => {
    for (const [bits, value] of f16Cases) expect(Object.is(f16ToF32(bits), value)).toBe(true);
    for (const bits of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) expect(f16ToF32(bits)).toBeNaN();
  });

  test('f32ToF16 inverts every non-NaN f16 bit pattern and maps NaN to NaN', () => {
    for (const [bits, value] of f16Cases) expect(f32ToF16(value)).toBe(bits);
    for (let b = 0; b < 0x10000; b++) {
      const v = f16ToF32(b);
      if (Number.isNaN(v)) expect(f16ToF32(f32ToF16(v))).toBeNaN();
      else if (f32ToF16(v) !== b) throw new Error(`f16 ${b.toString(16)} → ${v} → ${f32ToF16(v).toString(16)}`);
    }
    expect(f32ToF16(NaN)).toBe(0x7e00);
  });

  test('f32ToF16 rounds to nearest, ties to even, overflowing to inf and underflowing through subnormals', () => {
    const u = 2 ** -10; // spacing of f16 in [1, 2)
    expect(f32ToF16(1 + u / 2)).toBe(0x3c00); // tie between 0x3c00 (even) and 0x3c01: down
    expect(f32ToF16(1 + (3 * u) / 2)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02 (even): up
    expect(f32ToF16(1 + u / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(f32ToF16(1 + u / 2 + 2 ** -40)).toBe(0x3c01); // above the tie by less than float32 can see: no double rounding
    expect(f32ToF16(1 + u / 2 - 2 ** -40)).toBe(0x3c00);
    expect(f32ToF16(2 - u / 2)).toBe(0x4000); // tie at the top of the binade: mantissa carry into the exponent
    expect(f32ToF16(65519.99)).toBe(0x7bff); // below 65520 (= 65504 + half a spacing)
    expect(f32ToF16(65520)).toBe(0x7c00); // tie between 65504 (odd mantissa) and 2^16: up to inf
    expect(f32ToF16(-1e6)).toBe(0xfc00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // half the smallest subnormal: tie to even 0
    expect(f32ToF16(2 ** -25 + 2 ** -40)).toBe(0x0001);
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // 1.5 units: tie, up to 2
    expect(f32ToF16(5 * 2 ** -25)).toBe(0x0002); // 2.5 units: tie, down to 2
    expect(f32ToF16(2 ** -14 - 2 ** -25)).toBe(0x0400); // 1023.5 units: tie, up into the smallest normal
    expect(f32ToF16(-(2 ** -26))).toBe(0x8000); // underflow keeps the sign
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(1e-300)).toBe(0x0000);
  });

  test('bf16: exact decode and round-to-nearest-even encode', () => {
    // Hand-computed: sign | 8-bit exponent (bias 127) | 7-bit mantissa; bf16 bits are the top 16 float32 bits.
    const cases: Array<[number, number]> = [
      [0x0000, 0], [0x8000, -0], [0x3f80, 1], [0xc000, -2], [0x3eab, 0.333984375], // 0x3eab = 171/512
      [0x7f7f, 255 * 2 ** 120], // largest finite: (1 + 127/128) × 2^127
      [0x0080, 2 ** -126], [0x0001, 2 ** -133], [0x007f, 127 * 2 ** -133], // smallest normal, subnormals
      [0x7f80, Infinity], [0xff80, -Infinity],
    ];
    for (const [bits, value] of cases) {
      expect(Object.is(bf16ToF32(bits), value)).toBe(true);
      expect(f32ToBf16(value)).toBe(bits);
    }
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(f32ToBf16(NaN) & 0x7fc0).toBe(0x7fc0);
    const u = 2 ** -7;
    expect(f32ToBf16(1 + u / 2)).toBe(0x3f80); // tie, even down
    expect(f32ToBf16(1 + (3 * u) / 2)).toBe(0x3f82); // tie, even up
    expect(f32ToBf16(1 + u / 2 + 2 ** -40)).toBe(0x3f81); // no double rounding through float32
    expect(f32ToBf16(255.5 * 2 ** 120)).toBe(0x7f80); // tie above the largest finite: up to inf
    expect(f32ToBf16(2 ** -134)).toBe(0x0000); // half the smallest subnormal: tie to 0
    for (let b = 0; b < 0x10000; b++) {
      const v = bf16ToF32(b);
      if (!Number.isNaN(v) && f32ToBf16(v) !== b) throw new Error(`bf16 ${b.toString(16)} → ${v} → ${f32ToBf16(v).toString(16)}`);
    }
  });
});

/** One tensor of each dtype, with awkward values: extremes, negative zero, NaN bits, non-aligned sizes. */
function everyDtype(): Array<{ name: string; dtype: StDtype; shape: number[]; data: ArrayBufferView }> {
  return [
    { name: 'f64', dtype: 'F64', shape: [2, 3], data: new Float64Array([0.1, -0, Infinity, -1e308, 5e-324, Math.PI]) },
    { name: 'f32', dtype: 'F32', shape: [5], data: new Float32Array([1.5, -0, 3.4028234663852886e38, 1e-45, -7]) },
    { name: 'f16', dtype: 'F16', shape: [3, 2], data: new Uint16Array([0x3c00, 0x8000, 0x7bff, 0x0001, 0xfc00, 0x3555]) },
    { name: 'bf16', dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0xc000, 0x0001]) },
    { name: 'i64', dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 53n, -1n]) },
    { name: 'i32', dtype: 'I32', shape: [1, 3], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0]) },
    { name: 'i16', dtype: 'I16', shape: [3], data: new Int16Array([-32768, 32767, 5]) },
    { name: 'i8', dtype: 'I8', shape: [3], data: new Int8Array([-128, 127, -1]) },
    { name: 'u8', dtype: 'U8', shape: [1, 1, 3], data: new Uint8Array([0, 255, 7]) },
    { name: 'bool', dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    { name: 'scalar', dtype: 'F64', shape: [], data: new Float64Array([42]) },
  ];
}

describe('writer → reader round trip', () => {
  test('every dtype comes back bit for bit in its stored dtype, with metadata', () => {
    const tensors = everyDtype();
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'ünïcode ✓' });
    const f = SafetensorsFile.open(bytesSource('round-trip.safetensors', bytes));
    expect(f.metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect(f.names().sort()).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) {
      const got = f.read(t.name);
      expect([got.name, got.dtype, got.shape]).toEqual([t.name, t.dtype, t.shape]);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(got.data).toEqual(t.data);
    }
  });

  test('readFloat32 / readFloat64 convert every dtype by value', () => {
    const f = SafetensorsFile.open(bytesSource('convert.safetensors', writeSafetensors(everyDtype())));
    expect(Array.from(f.readFloat64('f16'))).toEqual([1, -0, 65504, 2 ** -24, -Infinity, 1365 / 4096]);
    expect(Array.from(f.readFloat32('f16'))).toEqual([1, -0, 65504, 2 ** -24, -Infinity, 1365 / 4096]);
    expect(Array.from(f.readFloat32('bf16'))).toEqual([1, -2, 2 ** -133]);
    expect(Array.from(f.readFloat64('bf16'))).toEqual([1, -2, 2 ** -133]);
    expect(Array.from(f.readFloat32('f64'))).toEqual([0.1, -0, Infinity, -Infinity, 0, Math.PI].map(Math.fround));
    expect(Array.from(f.readFloat64('f32'))).toEqual([1.5, -0, 3.4028234663852886e38, Math.fround(1e-45), -7]);
    expect(Array.from(f.readFloat64('i64'))).toEqual([-(2 ** 63), 2 ** 53, -1]);
    expect(Array.from(f.readFloat32('i32'))).toEqual([-(2 ** 31), 2 ** 31, 0]); // 2^31 - 1 rounds in float32
    expect(Array.from(f.readFloat64('i16'))).toEqual([-32768, 32767, 5]);
    expect(Array.from(f.readFloat64('i8'))).toEqual([-128, 127, -1]);
    expect(Array.from(f.readFloat32('u8'))).toEqual([0, 255, 7]);
    expect(Array.from(f.readFloat32('bool'))).toEqual([1, 0]);
    expect(f.readFloat32('empty')).toHaveLength(0);
    expect(Array.from(f.readFloat64('scalar'))).toEqual([42]);
  });

  test('layout matches the Python writer: sorted by name, back to back, header padded with spaces to 8 bytes', () => {
    const bytes = writeSafetensors(
      [{ name: 'b', dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) }, { name: 'a', dtype: 'F32', shape: [1], data: new Float32Array([2]) }],
      { format: 'pt' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(n % 8).toBe(0);
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[3],"data_offsets":[4,7]}}',
    );
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    expect(Array.from(bytes.subarray(8 + n))).toEqual([0, 0, 0, 64, 1, 2, 3]); // 2.0f little-endian, then b
  });

  test('re-encoding a real fixture reproduces every tensor', () => {
    const f = openSafetensorsFile(path.join(FIXTURES, 'tiny-llava', 'model.safetensors'));
    const copy = SafetensorsFile.open(bytesSource('copy', writeSafetensors(f.names().map((n) => f.read(n)), f.metadata)));
    const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    for (const n of f.names()) {
      const [a, b] = [copy.read(n), f.read(n)];
      expect([a.dtype, a.shape]).toEqual([b.dtype, b.shape]);
      expect(bytesOf(a.data).equals(bytesOf(b.data))).toBe(true);
    }
  });

  test('the writer rejects bad input with a SafetensorsError naming the tensor', () => {
    const t = { name: 'w', dtype: 'F32' as StDtype, shape: [2, 3], data: new Float32Array(5) };
    expect(() => writeSafetensors([t])).toThrow('tensor "w": data has 20 bytes ≠ shape [2, 3] × 4 bytes (F32) = 24');
    expect(() => writeSafetensors([{ ...t, data: new Float32Array(6) }, { ...t, data: new Float32Array(6) }])).toThrow('tensor "w": duplicate tensor name');
    expect(() => writeSafetensors([{ ...t, dtype: 'F8' as StDtype }])).toThrow('tensor "w": unknown dtype "F8"');
    expect(() => writeSafetensors([{ ...t, name: '__metadata__' }])).toThrow('reserved');
    expect(() => writeSafetensors([{ ...t, dtype: 'F16', shape: [6], data: new Float32Array(3) }]))
      .toThrow('tensor "w": data is a Float32Array, but F16 takes a Uint16Array (or raw bytes as a Uint8Array)');
    const raw = writeSafetensors([{ name: 'r', dtype: 'F32', shape: [1], data: new Uint8Array([0, 0, 128, 63]) }]); // raw bytes of 1.0f
    expect(Array.from(SafetensorsFile.open(bytesSource('raw', raw)).readFloat32('r'))).toEqual([1]);
  });
});

describe('lazy reading', () => {
  /** Wraps a source and records every (offset, length) asked of it. */
  function counting(src: ByteSource): { src: ByteSource; reads: Array<[number, number]> } {
    const reads: Array<[number, number]> = [];
    return { reads, src: { name: src.name, size: src.size, read: (o, l) => (reads.push([o, l]), src.read(o, l)) } };
  }

  test('open reads only the header; reading one tensor reads only its byte range', () => {
    const { src, reads } = counting(bytesSource('lazy.safetensors', writeSafetensors(everyDtype())));
    const f = SafetensorsFile.open(src);
    const n = f.dataStart - 8;
    expect(reads).toEqual([[0, 8], [8, n]]);
    const i16 = f.info('i16');
    f.readFloat32('i16');
    expect(reads.slice(2)).toEqual([[f.dataStart + i16.begin, 6]]);
    expect(reads.reduce((s, [, l]) => s + l, 0)).toBe(8 + n + 6);
  });

  test('fileSource reads byte ranges from disk', () => {
    const file = path.join(FIXTURES, 'tiny-llava', 'model.safetensors');
    const src = fileSource(file);
    const whole = fs.readFileSync(file);
    expect(src.size).toBe(whole.byteLength);
    expect(Array.from(src.read(1000, 16))).toEqual(Array.from(whole.subarray(1000, 1016)));
    expect(() => src.read(src.size - 4, 8)).toThrow(`${file}: read of 8 bytes at offset ${src.size - 4} is past the end (${src.size} bytes)`);
  });
});
