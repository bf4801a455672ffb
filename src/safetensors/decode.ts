/**
 * Turning a tensor's raw little-endian bytes into typed arrays: in its stored dtype, or widened to
 * float32 / float64 (exact for F16, BF16, F32 and small integers; F64 → float32 rounds to nearest).
 *
 * No Node imports: this file runs in the browser bundle too.
 */
import { DTYPE_SIZE, type StDtype, type StoredTensor } from './format.js';
import { f16Table32 } from './half.js';

/** True on little-endian hosts (all mainstream ones); otherwise multi-byte values are byte-swapped on read and write. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group of `bytes` in place (little-endian ↔ host order on big-endian hosts). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** A fresh, aligned ArrayBuffer holding `bytes` in host byte order for elements of `size` bytes. */
function hostCopy(bytes: Uint8Array, size: number): ArrayBuffer {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  if (!HOST_LITTLE_ENDIAN) swapBytes(out, size);
  return out.buffer;
}

/** The elements of `bytes` in their stored dtype, as a fresh aligned typed array (never a view of `bytes`). */
export function decodeStored(bytes: Uint8Array, dtype: StDtype): StoredTensor['data'] {
  const buf = hostCopy(bytes, DTYPE_SIZE[dtype]);
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'F16': case 'BF16': return new Uint16Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U8': case 'BOOL': return new Uint8Array(buf);
  }
}

/**
 * A typed view of `bytes` without copying when that is possible (little-endian host, aligned offset),
 * else of an aligned copy. Only for reading: the caller must not keep or mutate the view.
 */
function viewOf<T>(bytes: Uint8Array, size: number, make: (buf: ArrayBufferLike, offset: number, length: number) => T): T {
  if (HOST_LITTLE_ENDIAN && bytes.byteOffset % size === 0) return make(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  return make(hostCopy(bytes, size), 0, bytes.byteLength / size);
}

/** Writes every element of `bytes` (dtype `dtype`) into `out` as a number; `out` has one slot per element. */
function widen(bytes: Uint8Array, dtype: StDtype, out: Float32Array | Float64Array): void {
  const n = out.length;
  switch (dtype) {
    case 'F64': { const v = viewOf(bytes, 8, (b, o, l) => new Float64Array(b, o, l)); for (let i = 0; i < n; i++) out[i] = v[i]; return; }
    case 'F32': { const v = viewOf(bytes, 4, (b, o, l) => new Float32Array(b, o, l)); for (let i = 0; i < n; i++) out[i] = v[i]; return; }
    case 'F16': {
      const table = f16Table32();
      const v = viewOf(bytes, 2, (b, o, l) => new Uint16Array(b, o, l));
      for (let i = 0; i < n; i++) out[i] = table[v[i]];
      return;
    }
    case 'BF16': {
      // bf16 bits are the top half of the float32 bits: shift them into a Uint32Array aliasing a Float32Array.
      const v = viewOf(bytes, 2, (b, o, l) => new Uint16Array(b, o, l));
      const wide = out instanceof Float32Array ? out : new Float32Array(n);
      const wideBits = new Uint32Array(wide.buffer, wide.byteOffset, n);
      for (let i = 0; i < n; i++) wideBits[i] = v[i] << 16;
      if (wide !== out) out.set(wide);
      return;
    }
    case 'I64': { const v = viewOf(bytes, 8, (b, o, l) => new BigInt64Array(b, o, l)); for (let i = 0; i < n; i++) out[i] = Number(v[i]); return; }
    case 'I32': out.set(viewOf(bytes, 4, (b, o, l) => new Int32Array(b, o, l))); return;
    case 'I16': out.set(viewOf(bytes, 2, (b, o, l) => new Int16Array(b, o, l))); return;
    case 'I8': out.set(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)); return;
    case 'U8': out.set(bytes); return;
    case 'BOOL': for (let i = 0; i < n; i++) out[i] = bytes[i] !== 0 ? 1 : 0; return;
  }
}

/** The elements as float32. F32 is copied bit for bit (NaN payloads included); others convert by value. */
export function decodeFloat32(bytes: Uint8Array, dtype: StDtype): Float32Array {
  if (dtype === 'F32') return new Float32Array(hostCopy(bytes, 4));
  const out = new Float32Array(bytes.byteLength / DTYPE_SIZE[dtype]);
  widen(bytes, dtype, out);
  return out;
}

/** The elements as float64 (I64 beyond ±2^53 rounds to the nearest double). */
export function decodeFloat64(bytes: Uint8Array, dtype: StDtype): Float64Array {
  if (dtype === 'F64') return new Float64Array(hostCopy(bytes, 8));
  const out = new Float64Array(bytes.byteLength / DTYPE_SIZE[dtype]);
  widen(bytes, dtype, out);
  return out;
}
