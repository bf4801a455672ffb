/** Reference elementwise kernels: copy, unary (+ backward), binary, where. */
import type { Data, View } from '../backend.js';
import { binaryTable, unaryTable, type BinaryOp, type UnaryOp } from '../scalar.js';
import { forEachRow } from './rows.js';

const last = (v: View) => (v.shape.length ? v.strides[v.shape.length - 1] : 0);
const rowLength = (v: View) => (v.shape.length ? v.shape[v.shape.length - 1] : 1);

export function copy(x: View, out: Data): void {
  const n = rowLength(x);
  const s = last(x);
  const src = x.data;
  forEachRow(x.shape, [x.strides], [x.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, p = o[0]; j < n; j++, p += s) out[base + j] = src[p];
  });
}

export function unary(op: UnaryOp, x: View, out: Data): void {
  const f = unaryTable[op].f;
  const n = rowLength(x);
  const s = last(x);
  const src = x.data;
  forEachRow(x.shape, [x.strides], [x.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, p = o[0]; j < n; j++, p += s) out[base + j] = f(src[p]);
  });
}

export function unaryBackward(op: UnaryOp, x: View, gy: View, out: Data): void {
  const { f, df } = unaryTable[op];
  const n = rowLength(x);
  const sx = last(x);
  const sg = last(gy);
  forEachRow(x.shape, [x.strides, gy.strides], [x.offset, gy.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, p = o[0], q = o[1]; j < n; j++, p += sx, q += sg) {
      const xv = x.data[p];
      out[base + j] = gy.data[q] * df(xv, f(xv));
    }
  });
}

export function binary(op: BinaryOp, a: View, b: View, out: Data): void {
  const f = binaryTable[op];
  const n = rowLength(a);
  const sa = last(a);
  const sb = last(b);
  const da = a.data;
  const db = b.data;
  forEachRow(a.shape, [a.strides, b.strides], [a.offset, b.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, p = o[0], q = o[1]; j < n; j++, p += sa, q += sb) out[base + j] = f(da[p], db[q]);
  });
}

export function where(cond: View, a: View, b: View, out: Data): void {
  const n = rowLength(a);
  const [sc, sa, sb] = [last(cond), last(a), last(b)];
  forEachRow(a.shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset], (o, r) => {
    const base = r * n;
    for (let j = 0, c = o[0], p = o[1], q = o[2]; j < n; j++, c += sc, p += sa, q += sb) {
      out[base + j] = cond.data[c] !== 0 ? a.data[p] : b.data[q];
    }
  });
}

export function assign(src: View, dst: View): void {
  const n = rowLength(src);
  const [ss, sd] = [last(src), last(dst)];
  const out = dst.data;
  forEachRow(src.shape, [src.strides, dst.strides], [src.offset, dst.offset], (o) => {
    for (let j = 0, p = o[0], q = o[1]; j < n; j++, p += ss, q += sd) out[q] = src.data[p];
  });
}
