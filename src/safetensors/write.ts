/**
 * Writing safetensors files in memory, laid out like the Python/Rust writer: tensors sorted by name and
 * stored back to back in that order, `__metadata__` first in the header, and the header padded with
 * spaces so that the data section starts at a multiple of 8 bytes.
 *
 * No Node imports: this file runs in the browser bundle too (see node.ts for files on disk).
 */
import { HOST_LITTLE_ENDIAN, swapBytes } from './decode.js';
import { DTYPE_SIZE, isStDtype, SafetensorsError, type StDtype } from './format.js';

/** One tensor to write: `data` holds its elements in host order (F16/BF16 as raw 16-bit patterns). */
export interface TensorToWrite {
  name: string;
  dtype: StDtype;
  shape: number[];
  data: ArrayBufferView;
}

/** The typed array that holds each dtype; raw bytes (Uint8Array, DataView) are accepted for any dtype. */
const ARRAY_FOR: Readonly<Record<StDtype, string>> = {
  F64: 'Float64Array', F32: 'Float32Array', F16: 'Uint16Array', BF16: 'Uint16Array', I64: 'BigInt64Array',
  I32: 'Int32Array', I16: 'Int16Array', I8: 'Int8Array', U8: 'Uint8Array', BOOL: 'Uint8Array',
};

/** Name of the view's class as the engine reports it ("Float32Array"; a Node Buffer reports "Uint8Array"). */
function viewKind(data: ArrayBufferView): string {
  return Object.prototype.toString.call(data).slice(8, -1);
}

/** A tensor's name, dtype and shape: what the header records (the data comes later, in this order). */
export interface TensorHeaderEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
}

/**
 * The header bytes of a safetensors file holding `entries` (sorted by name, data back to back in that
 * order — or, with order 'given', in the order of `entries`, as a writer that streams tensors while they
 * are produced lays them out): the 8-byte length, the JSON, and its space padding to a multiple of 8.
 * Also returns the entries in data order and the data section's size. Throws {@link SafetensorsError} on
 * a duplicate or reserved name, an unknown dtype, a bad shape or non-string metadata — before any data is touched.
 */
export function safetensorsHeader<T extends TensorHeaderEntry>(entries: readonly T[], metadata?: Record<string, string>, label = '(safetensorsHeader)', order: 'name' | 'given' = 'name'): { header: Uint8Array; sorted: T[]; dataBytes: number } {
  const fail = (detail: string, tensor?: string): never => {
    throw new SafetensorsError(label, detail, tensor);
  };
  const sorted = order === 'given' ? [...entries] : [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set<string>();
  const json: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata["${k}"] must be a string, got ${typeof v}`);
    json.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (let i = 0; i < sorted.length; i++) {
    const { name, dtype, shape } = sorted[i];
    if (name === '__metadata__') fail(`"__metadata__" is reserved and cannot name a tensor`, name);
    if (names.has(name)) fail(`duplicate tensor name`, name);
    names.add(name);
    if (!isStDtype(dtype)) fail(`unknown dtype ${JSON.stringify(dtype)}`, name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`shape must be non-negative integers, got [${shape}]`, name);
    const bytes = shape.reduce((p, d) => p * d, 1) * DTYPE_SIZE[dtype];
    json.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: [offset, offset + bytes] })}`);
    offset += bytes;
  }
  const text = new TextEncoder().encode(`{${json.join(',')}}`);
  const headerLength = Math.ceil(text.byteLength / 8) * 8;
  const header = new Uint8Array(8 + headerLength);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, headerLength % 2 ** 32, true);
  dv.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  header.set(text, 8);
  header.fill(0x20, 8 + text.byteLength); // space padding
  return { header, sorted, dataBytes: offset };
}

/**
 * Serialises `tensors` (and optional string metadata) to the bytes of a .safetensors file.
 * `label` only names the output in error messages. Throws {@link SafetensorsError} on a duplicate or
 * reserved name, an unknown dtype, a bad shape, data of the wrong array type (a Float32Array for F16,
 * say) or of a length that does not match the shape, or non-string metadata.
 */
export function writeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>, label = '(writeSafetensors)'): Uint8Array {
  const { header, sorted, dataBytes } = checkedHeader(tensors, metadata, label);
  const out = new Uint8Array(header.byteLength + dataBytes);
  out.set(header);
  let pos = header.byteLength;
  for (const { dtype, data } of sorted) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(bytes, pos);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + bytes.byteLength), DTYPE_SIZE[dtype]);
    pos += bytes.byteLength;
  }
  return out;
}

/** {@link safetensorsHeader}, after checking that each tensor's data has the array type and length its dtype and shape need. */
export function checkedHeader(tensors: TensorToWrite[], metadata: Record<string, string> | undefined, label: string): { header: Uint8Array; sorted: TensorToWrite[]; dataBytes: number } {
  const result = safetensorsHeader(tensors, metadata, label);
  for (const { name, dtype, shape, data } of result.sorted) {
    const kind = viewKind(data);
    if (kind !== ARRAY_FOR[dtype] && kind !== 'Uint8Array' && kind !== 'DataView') {
      throw new SafetensorsError(label, `data is a ${kind}, but ${dtype} takes a ${ARRAY_FOR[dtype]} (or raw bytes as a Uint8Array)`, name);
    }
    const expected = shape.reduce((p, d) => p * d, 1) * DTYPE_SIZE[dtype];
    if (data.byteLength !== expected) {
      throw new SafetensorsError(label, `data has ${data.byteLength} bytes ≠ shape [${shape.join(', ')}] × ${DTYPE_SIZE[dtype]} bytes (${dtype}) = ${expected}`, name);
    }
  }
  return result;
}
