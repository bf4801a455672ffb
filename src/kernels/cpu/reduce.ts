/** Reference reductions along one axis, and row softmax. */
import type { Data, ReduceOp, View } from '../backend.js';
import { axisLast, forEachRow } from './rows.js';

// Module-scope aliases: a global lookup per element is slow where the code runs in a vm context (jest).
const { exp } = Math;
const ln = Math.log;

export function reduce(op: ReduceOp, x: View, axis: number, out: Data): void {
  const { shape, strides } = axisLast(x.shape, x.strides, axis);
  const n = shape[shape.length - 1];
  const s = strides[strides.length - 1];
  const src = x.data;
  if (n === 0) return void out.fill(op === 'max' ? -Infinity : 0); // an empty axis: no rows below (out is not zeroed)
  forEachRow(shape, [strides], [x.offset], (o, r) => {
    let p = o[0];
    if (op === 'sum') {
      let acc = 0;
      for (let j = 0; j < n; j++, p += s) acc += src[p];
      out[r] = acc;
    } else {
      let best = -Infinity;
      let arg = 0;
      for (let j = 0; j < n; j++, p += s) {
        const v = src[p];
        if (v > best || Number.isNaN(v)) {
          best = v;
          arg = j;
          if (Number.isNaN(v)) break;
        }
      }
      out[r] = op === 'max' ? best : arg;
    }
  });
}

/** y = softmax(x) (or log-softmax) over the last axis, subtracting the row max first. */
export function softmax(x: View, out: Data, log: boolean): void {
  const nd = x.shape.length;
  const n = x.shape[nd - 1];
  const s = x.strides[nd - 1];
  const src = x.data;
  forEachRow(x.shape, [x.strides], [x.offset], (o, r) => {
    const base = r * n;
    let max = -Infinity;
    for (let j = 0, p = o[0]; j < n; j++, p += s) if (src[p] > max) max = src[p];
    if (max === -Infinity) max = 0; // a fully masked row: exp(-inf) = 0 everywhere, sum 0 → NaN, as torch
    let sum = 0;
    for (let j = 0, p = o[0]; j < n; j++, p += s) {
      const e = exp(src[p] - max);
      out[base + j] = e;
      sum += e;
    }
    if (log) {
      const lse = ln(sum);
      for (let j = 0, p = o[0]; j < n; j++, p += s) out[base + j] = src[p] - max - lse;
    } else {
      const inv = 1 / sum;
      for (let j = 0; j < n; j++) out[base + j] *= inv;
    }
  });
}
