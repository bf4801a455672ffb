/**
 * Malformed safetensors files: each defect is its own SafetensorsError whose message names the file,
 * the tensor where there is one, and the numbers at fault.
 */
import { SafetensorsError, SafetensorsFile, bytesSource, writeSafetensors } from '../../src/safetensors/index.js';

const FILE = 'bad.safetensors';

/** A file from a header (object → JSON, or raw text/bytes) and a data section of `dataBytes` bytes. */
function rawFile(header: unknown, dataBytes = 0, headerLength?: number): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.byteLength), true);
  out.set(json, 8);
  return out;
}

/** Opens `bytes` and reads every tensor; returns the SafetensorsError it must throw. */
function errorOf(bytes: Uint8Array): SafetensorsError {
  try {
    const f = SafetensorsFile.open(bytesSource(FILE, bytes));
    for (const name of f.names()) f.readFloat64(name);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError, but the file was accepted');
}

/** Expects the exact message, and the file/tensor fields to match it. */
function expectError(bytes: Uint8Array, message: string, tensor?: string): void {
  const e = errorOf(bytes);
  expect(e.message).toBe(message);
  expect(e.file).toBe(FILE);
  expect(e.tensor).toBe(tensor);
}

const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('file and header framing', () => {
  test('file shorter than 8 bytes', () => {
    expectError(new Uint8Array(5), `${FILE}: file is 5 bytes, shorter than the 8-byte header length`);
  });

  test('header length past the end of the file', () => {
    expectError(rawFile({}, 0, 1000), `${FILE}: header length 1000 runs past the end of the file (10 bytes, at most 2 available)`);
  });

  test('absurdly large header length (a corrupt u64 must not allocate gigabytes)', () => {
    expectError(rawFile({}, 0, 2 ** 40), `${FILE}: header length 1099511627776 is absurdly large (limit 100000000 bytes; corrupt file?)`);
    const huge = rawFile({});
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectError(huge, `${FILE}: header length 18446744073709551615 is absurdly large (limit 100000000 bytes; corrupt file?)`);
  });

  test('header not valid UTF-8', () => {
    expectError(rawFile(new Uint8Array([0x7b, 0xff, 0x7d])), `${FILE}: header (3 bytes) is not valid UTF-8`);
  });

  test('header not JSON', () => {
    const e = errorOf(rawFile('{"w": {"dtype": "F32",'));
    expect(e.message).toMatch(new RegExp(`^${FILE}: header is not valid JSON \\(.+\\)$`));
  });

  test('header JSON but not an object', () => {
    expectError(rawFile('[1, 2]'), `${FILE}: header is not a JSON object`);
    expectError(rawFile('null'), `${FILE}: header is not a JSON object`);
  });
});

describe('tensor entries', () => {
  test('entry not an object', () => {
    expectError(rawFile({ w: 5 }), `${FILE}: tensor "w": entry must be an object, got 5`, 'w');
  });

  test('entry missing dtype, shape or data_offsets', () => {
    expectError(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, 4), `${FILE}: tensor "w": entry has no "dtype"`, 'w');
    expectError(rawFile({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4), `${FILE}: tensor "w": entry has no "shape"`, 'w');
    expectError(rawFile({ w: { dtype: 'F32', shape: [1] } }, 4), `${FILE}: tensor "w": entry has no "data_offsets"`, 'w');
  });

  test('unknown dtype', () => {
    expectError(
      rawFile({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, 4),
      `${FILE}: tensor "w": unknown dtype "F8_E4M3" (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`, 'w',
    );
  });

  test('shape not an array of non-negative integers', () => {
    for (const [shape, shown] of [[[2, -1], '[2,-1]'], [[1.5], '[1.5]'], ['3', '"3"'], [[1e300], '[1e+300]']] as const) {
      expectError(rawFile({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, 4), `${FILE}: tensor "w": shape must be an array of non-negative integers, got ${shown}`, 'w');
    }
  });

  test('data_offsets not two integers, or begin > end', () => {
    expectError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), `${FILE}: tensor "w": data_offsets must be two non-negative integers, got [0]`, 'w');
    expectError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, '4'] } }, 4), `${FILE}: tensor "w": data_offsets must be two non-negative integers, got [0,"4"]`, 'w');
    expectError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, 8), `${FILE}: tensor "w": data_offsets [8, 4] has begin > end`, 'w');
  });

  test('byte length ≠ shape product × dtype size (both numbers printed)', () => {
    expectError(
      rawFile({ w: f32(0, 20, [2, 3]) }, 20),
      `${FILE}: tensor "w": byte length 20 (data_offsets [0, 20]) ≠ shape [2, 3] × 4 bytes (F32) = 24`, 'w',
    );
  });

  test('offsets outside the data section', () => {
    expectError(rawFile({ w: f32(0, 16) }, 8), `${FILE}: tensor "w": data_offsets [0, 16] are outside the data section (8 bytes)`, 'w');
  });

  test('truncated file: the last tensor now runs past the end', () => {
    const good = writeSafetensors([
      { name: 'a', dtype: 'F32', shape: [4], data: new Float32Array(4) },
      { name: 'b', dtype: 'F64', shape: [2], data: new Float64Array(2) },
    ]);
    const dataSize = good.byteLength - 8 - Number(new DataView(good.buffer).getBigUint64(0, true));
    expectError(good.subarray(0, good.byteLength - 3), `${FILE}: tensor "b": data_offsets [16, 32] are outside the data section (${dataSize - 3} bytes)`, 'b');
  });
});

describe('tiling of the data section', () => {
  test('overlapping tensors', () => {
    expectError(rawFile({ a: f32(0, 8), b: f32(4, 12) }, 12), `${FILE}: tensor "b": data_offsets [4, 12] overlap tensor "a" at [0, 8]`, 'b');
  });

  test('gap between tensors', () => {
    expectError(rawFile({ a: f32(0, 4), b: f32(8, 12) }, 12), `${FILE}: tensor "b": gap of 4 unused bytes after tensor "a" (ends at 4): data_offsets [8, 12]`, 'b');
  });

  test('gap at the start of the data section', () => {
    expectError(rawFile({ a: f32(4, 8) }, 8), `${FILE}: tensor "a": gap of 4 unused bytes at the start of the data section: data_offsets [4, 8]`, 'a');
  });

  test('unused bytes at the end of the data section', () => {
    expectError(rawFile({ a: f32(0, 8) }, 12), `${FILE}: data section has 4 unused bytes at the end (tensors end at 8 of 12)`);
  });

  test('zero-length tensors may share an offset; header-order independent', () => {
    const f = SafetensorsFile.open(bytesSource(FILE, rawFile({ z1: f32(4, 4, [0]), b: f32(4, 8), a: f32(0, 4), z2: f32(4, 4, [2, 0]) }, 8)));
    expect(f.names()).toEqual(['z1', 'b', 'a', 'z2']);
    expect(f.readFloat32('z2')).toHaveLength(0);
  });
});

describe('metadata and lookups', () => {
  test('__metadata__ not a string → string map', () => {
    expectError(rawFile({ __metadata__: { format: 1 } }), `${FILE}: __metadata__["format"] must be a string, got 1`);
    expectError(rawFile({ __metadata__: ['pt'] }), `${FILE}: __metadata__ must be an object of strings, got ["pt"]`);
  });

  test('asking for a tensor the file does not have', () => {
    const f = SafetensorsFile.open(bytesSource(FILE, rawFile({ a: f32(0, 4) }, 4)));
    expect(() => f.read('nope')).toThrow(new SafetensorsError(FILE, 'no such tensor (the file has 1)', 'nope'));
  });

  test('a ByteSource that returns fewer bytes than asked', () => {
    const bytes = rawFile({ a: f32(0, 4) }, 4);
    const inner = bytesSource(FILE, bytes);
    const short = { name: FILE, size: bytes.byteLength, read: (o: number, l: number) => inner.read(o, l).subarray(0, l > 8 ? l - 1 : l) };
    const n = bytes.byteLength - 12;
    expect(() => SafetensorsFile.open(short)).toThrow(new SafetensorsError(FILE, `read ${n - 1} bytes at offset 8, expected ${n}`));
  });
});
