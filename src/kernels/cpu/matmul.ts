/** Reference batched matmul over strided views, and row gather / scatter-add. */
import type { Data, View } from '../backend.js';
import { forEachRow } from './rows.js';

export function matmul(a: View, b: View, out: Data): void {
  const nd = a.shape.length;
  const [M, K] = [a.shape[nd - 2], a.shape[nd - 1]];
  const N = b.shape[nd - 1];
  const [am, ak] = [a.strides[nd - 2], a.strides[nd - 1]];
  const [bk, bn] = [b.strides[nd - 2], b.strides[nd - 1]];
  const batch = a.shape.slice(0, nd - 2);
  // Iterate the batch dims as rows of length 1 (stride 0 on the fake last axis).
  const batchShape = [...batch, 1];
  const as = [...a.strides.slice(0, nd - 2), 0];
  const bs = [...b.strides.slice(0, nd - 2), 0];
  const A = a.data;
  const B = b.data;
  forEachRow(batchShape, [as, bs], [a.offset, b.offset], (o, r) => {
    const outBase = r * M * N;
    if (bk === 1 && K > 1) {
      // b is a transposed row-major matrix (e.g. a Linear weight [N, K]): dot products along K.
      for (let i = 0; i < M; i++) {
        const arow = o[0] + i * am;
        for (let j = 0; j < N; j++) out[outBase + i * N + j] = dot(A, arow, ak, B, o[1] + j * bn, K);
      }
      return;
    }
    const row = new Float64Array(N);
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const arow = o[0] + i * am;
      for (let k = 0; k < K; k++) axpy(A[arow + k * ak], B, o[1] + k * bk, bn, row, N);
      out.set(row, outBase + i * N);
    }
  });
}

/** Σ_k a[ao + k·as] · b[bo + k] (4 partial sums: independent chains pipeline better). */
function dot(a: Data, ao: number, as: number, b: Data, bo: number, K: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    s0 += a[ao + k * as] * b[bo + k];
    s1 += a[ao + (k + 1) * as] * b[bo + k + 1];
    s2 += a[ao + (k + 2) * as] * b[bo + k + 2];
    s3 += a[ao + (k + 3) * as] * b[bo + k + 3];
  }
  for (; k < K; k++) s0 += a[ao + k * as] * b[bo + k];
  return s0 + s1 + s2 + s3;
}

/** row[j] += x · b[bo + j·bs] for j < N. */
function axpy(x: number, b: Data, bo: number, bs: number, row: Float64Array, N: number): void {
  if (x === 0) return;
  if (bs === 1) for (let j = 0; j < N; j++) row[j] += x * b[bo + j];
  else for (let j = 0; j < N; j++) row[j] += x * b[bo + j * bs];
}

export function gather(table: View, ids: Int32Array, out: Data): void {
  const C = table.shape[1];
  const [sv, sc] = table.strides;
  for (let i = 0; i < ids.length; i++) {
    const base = table.offset + ids[i] * sv;
    for (let c = 0; c < C; c++) out[i * C + c] = table.data[base + c * sc];
  }
}

export function scatterAdd(g: View, ids: Int32Array, out: Data): void {
  const C = g.shape[1];
  const [si, sc] = g.strides;
  for (let i = 0; i < ids.length; i++) {
    const base = g.offset + i * si;
    for (let c = 0; c < C; c++) out[ids[i] * C + c] += g.data[base + c * sc];
  }
}
