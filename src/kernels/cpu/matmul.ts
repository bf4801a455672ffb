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
        for (let j = 0; j < N; j++) {
          const bcol = o[1] + j * bn;
          let acc = 0;
          for (let k = 0; k < K; k++) acc += A[arow + k * ak] * B[bcol + k];
          out[outBase + i * N + j] = acc;
        }
      }
      return;
    }
    const row = new Float64Array(N);
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const arow = o[0] + i * am;
      for (let k = 0; k < K; k++) {
        const aik = A[arow + k * ak];
        const brow = o[1] + k * bk;
        for (let j = 0; j < N; j++) row[j] += aik * B[brow + j * bn];
      }
      out.set(row, outBase + i * N);
    }
  });
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
