/** Reference products with a half-precision weight W [N, K]: each row of W is widened, then used. */
import type { Data, HalfBits, View } from '../backend.js';
import { forEachRow } from './rows.js';

/** IEEE binary16 bits → number (exact, including subnormals, ±inf and NaN). */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
/** bfloat16 bits → number: the upper half of a float32. */
export function bf16Value(h: number): number {
  scratchBits[0] = h << 16;
  return scratch[0];
}

/**
 * transposeW (default): out[r, n] = Σ_k x[r, k] · W[n, k]  (x: [..., K] → [..., N]);
 * otherwise:            out[r, k] = Σ_n x[r, n] · W[n, k]  (x: [..., N] → [..., K]).
 */
export function matmulHalf(x: View, w: HalfBits, out: Data, transposeW = true): void {
  const [N, K] = w.shape;
  const nd = x.shape.length;
  const [inner, outer] = transposeW ? [K, N] : [N, K];
  if (x.shape[nd - 1] !== inner) throw new Error(`matmulHalf: x (${x.shape.join(',')}) @ W[${N}, ${K}]${transposeW ? 'ᵀ' : ''}: inner dims ${x.shape[nd - 1]} vs ${inner}`);
  const widen = w.format === 'f16' ? f16Value : bf16Value;
  const sx = x.strides[nd - 1];
  const rowOffsets: number[] = [];
  forEachRow(x.shape, [x.strides], [x.offset], (o) => void rowOffsets.push(o[0]));
  const wrow = new Float64Array(K);
  if (!transposeW) out.fill(0);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) wrow[k] = widen(w.bits[n * K + k]);
    rowOffsets.forEach((base, r) => {
      if (transposeW) {
        let acc = 0;
        for (let k = 0, p = base; k < K; k++, p += sx) acc += x.data[p] * wrow[k];
        out[r * outer + n] = acc;
      } else {
        const xn = x.data[base + n * sx];
        for (let k = 0; k < K; k++) out[r * outer + k] += xn * wrow[k];
      }
    });
  }
}
