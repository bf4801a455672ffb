/**
 * Seeded random-mutation fuzzing of the reader: thousands of corrupted copies of a valid file, each of
 * which must end in either a clean read of every tensor or a SafetensorsError. Any other exception
 * (RangeError from a typed array, TypeError, SyntaxError leaking out of JSON.parse, ...) fails the test.
 *
 * Randomness: mulberry32 (Tommy Ettinger's 32-bit generator; public domain), fixed seeds, so a failure
 * prints a case number that reproduces exactly.
 */
import { SafetensorsError, SafetensorsFile, bytesSource, writeSafetensors } from '../../src/safetensors/index.js';

/** mulberry32: a tiny 32-bit-state PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid file with several dtypes, a zero-size tensor, a scalar and metadata. */
function baseFile(): Uint8Array {
  return writeSafetensors([
    { name: 'w', dtype: 'F32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i - 5.5) },
    { name: 'h', dtype: 'F16', shape: [5], data: new Uint16Array([0x3c00, 0x7c00, 0x7e00, 0x0001, 0x8000]) },
    { name: 'b', dtype: 'BF16', shape: [2, 1], data: new Uint16Array([0x3f80, 0xff80]) },
    { name: 'd', dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    { name: 'ids', dtype: 'I64', shape: [3], data: new BigInt64Array([1n, -2n, 2n ** 62n]) },
    { name: 'i', dtype: 'I32', shape: [2], data: new Int32Array([7, -7]) },
    { name: 's', dtype: 'I16', shape: [], data: new Int16Array([-3]) },
    { name: 'q', dtype: 'I8', shape: [3], data: new Int8Array([1, -1, 0]) },
    { name: 'mask', dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
    { name: 'px', dtype: 'U8', shape: [1, 3], data: new Uint8Array([0, 128, 255]) },
    { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  ], { format: 'pt' });
}

const JSONISH = '{}[]",:0123456789-.e ';

/** Applies one random mutation to `bytes` (a copy is returned) and describes it. */
function mutate(bytes: Uint8Array, rnd: () => number): { out: Uint8Array; what: string } {
  const int = (n: number) => Math.floor(rnd() * n);
  // Where the header ends according to the (possibly already mutated) length field, clamped to the file.
  const headerEnd = bytes.length < 8 ? bytes.length
    : Math.min(bytes.length, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) & 0xffffffn));
  // Hit the header more often than its share of the file: it is where the interesting structure is.
  const pos = () => (rnd() < 0.6 ? int(Math.min(headerEnd, bytes.length)) : int(bytes.length));
  const out = bytes.slice();
  const text = new TextDecoder().decode(out.subarray(Math.min(8, out.length), headerEnd));
  const nums = [...text.matchAll(/\d+/g)];
  let kind = int(7);
  if ((kind === 4 && out.length < 8) || (kind === 6 && nums.length === 0)) kind = 0; // not applicable: flip a bit instead
  switch (kind) {
    case 0: { const p = pos(), bit = int(8); out[p] ^= 1 << bit; return { out, what: `flip bit ${bit} of byte ${p}` }; }
    case 1: { const p = pos(), v = int(256); out[p] = v; return { out, what: `byte ${p} := ${v}` }; }
    case 2: { const p = 8 + int(Math.max(1, headerEnd - 8)), c = JSONISH[int(JSONISH.length)]; out[p] = c.charCodeAt(0); return { out, what: `byte ${p} := '${c}'` }; }
    case 3: { const n = int(bytes.length); return { out: out.subarray(0, n), what: `truncate to ${n} bytes` }; }
    case 4: {
      const dv = new DataView(out.buffer);
      const choice = int(3);
      const v = choice === 0 ? BigInt(int(out.length + 16)) : choice === 1 ? BigInt(headerEnd - 8 + int(33) - 16) : BigInt(int(2 ** 32)) * BigInt(int(2 ** 32));
      dv.setBigUint64(0, v < 0n ? 0n : v, true);
      return { out, what: `header length := ${v < 0n ? 0n : v}` };
    }
    case 5: { const n = 1 + int(16); const ext = new Uint8Array(out.length + n); ext.set(out); for (let k = 0; k < n; k++) ext[out.length + k] = int(256); return { out: ext, what: `append ${n} bytes` }; }
    default: {
      // Replace one number in the header text (a shape dim or an offset) by another.
      const m = nums[int(nums.length)];
      const v = String([0, 1, 2, 3, 4, 7, 8, 64, 1e9, 2 ** 53, int(200)][int(11)]);
      const edited = new TextEncoder().encode(text.slice(0, m.index) + v + text.slice(m.index! + m[0].length));
      const res = new Uint8Array(8 + edited.length + (out.length - headerEnd));
      new DataView(res.buffer).setBigUint64(0, BigInt(edited.length), true);
      res.set(edited, 8);
      res.set(out.subarray(headerEnd), 8 + edited.length);
      return { out: res, what: `number "${m[0]}" at header char ${m.index} := ${v}` };
    }
  }
}

/** Opens and reads everything; returns 'ok' or 'error', and throws anything that is not a SafetensorsError. */
function attempt(bytes: Uint8Array): 'ok' | 'error' {
  try {
    const f = SafetensorsFile.open(bytesSource('fuzz.safetensors', bytes));
    let total = 0;
    for (const name of f.names()) {
      const info = f.info(name);
      const t = f.read(name);
      expect(t.data.byteLength).toBe(info.end - info.begin);
      expect(f.readFloat32(name).length).toBe(t.data.length);
      expect(f.readFloat64(name).length).toBe(t.data.length);
      total += info.end - info.begin;
    }
    expect(total).toBe(bytes.length - f.dataStart); // accepted files are tiled exactly
    return 'ok';
  } catch (e) {
    if (e instanceof SafetensorsError) return 'error';
    throw e;
  }
}

test('4000 seeded mutations: every case is a clean read or a SafetensorsError', () => {
  const base = baseFile();
  expect(attempt(base)).toBe('ok');
  const counts = { ok: 0, error: 0 };
  const failures: string[] = [];
  for (let c = 0; c < 4000; c++) {
    const rnd = mulberry32(0x5eed0000 + c);
    let bytes = base;
    const steps: string[] = [];
    for (let k = rnd() < 0.7 ? 1 : 2 + Math.floor(rnd() * 2); k > 0; k--) {
      const { out, what } = mutate(bytes, rnd);
      bytes = out;
      steps.push(what);
    }
    try {
      counts[attempt(bytes)]++;
    } catch (e) {
      failures.push(`case ${c} (${steps.join('; ')}): ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  expect(failures.slice(0, 10)).toEqual([]);
  // Both outcomes must be well represented, or the mutations are not probing anything.
  expect(counts.error).toBeGreaterThan(1000);
  expect(counts.ok).toBeGreaterThan(100);
});

test('mutations confined to the data section never break a read (the header alone decides validity)', () => {
  const base = baseFile();
  const dataStart = SafetensorsFile.open(bytesSource('base', base)).dataStart;
  for (let c = 0; c < 500; c++) {
    const rnd = mulberry32(0xda7a0000 + c);
    const bytes = base.slice();
    for (let k = 1 + Math.floor(rnd() * 8); k > 0; k--) bytes[dataStart + Math.floor(rnd() * (bytes.length - dataStart))] = Math.floor(rnd() * 256);
    expect(attempt(bytes)).toBe('ok');
  }
});
