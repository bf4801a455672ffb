/**
 * Reference fused kernels: RMSNorm, LayerNorm, RoPE and SwiGLU, forward and backward, one pass over the
 * rows of strided views each (sums in double precision). They define what the faster backends compute.
 */
import type { Data, View } from '../backend.js';
import { forEachRow } from './rows.js';

const { exp, sqrt } = Math;
const last = (v: View) => v.strides[v.shape.length - 1];
const width = (v: View) => v.shape[v.shape.length - 1];

/** out = w · x · r with r = 1/√(mean(x²) + ε), per row of x [..., C]. */
export function rmsNorm(x: View, w: View, eps: number, out: Data): void {
  const [xd, wd, wo] = [x.data, w.data, w.offset];
  const [C, sx, sw] = [width(x), last(x), last(w)];
  forEachRow(x.shape, [x.strides], [x.offset], (o, row) => {
    let ss = 0;
    for (let j = 0, p = o[0]; j < C; j++, p += sx) ss += xd[p] * xd[p];
    const r = 1 / sqrt(ss / C + eps);
    for (let j = 0, p = o[0]; j < C; j++, p += sx) out[row * C + j] = wd[wo + j * sw] * (xd[p] * r);
  });
}

/** u = gy·w: gx = r·u − x·r³·Σ(u·x)/C; gw = Σ_rows gy·x·r. */
export function rmsNormBackward(x: View, w: View, gy: View, eps: number, gx: Data, gw: Data | null): void {
  const [xd, wd, wo] = [x.data, w.data, w.offset];
  const gd = gy.data;
  const [C, sx, sw, sg] = [width(x), last(x), last(w), last(gy)];
  const acc = gw ? new Float64Array(C) : null;
  forEachRow(x.shape, [x.strides, gy.strides], [x.offset, gy.offset], (o, row) => {
    let ss = 0;
    let ux = 0;
    for (let j = 0, p = o[0], q = o[1]; j < C; j++, p += sx, q += sg) {
      ss += xd[p] * xd[p];
      ux += gd[q] * wd[wo + j * sw] * xd[p];
    }
    const r = 1 / sqrt(ss / C + eps);
    const c = (r * r * r * ux) / C;
    for (let j = 0, p = o[0], q = o[1]; j < C; j++, p += sx, q += sg) {
      gx[row * C + j] = r * gd[q] * wd[wo + j * sw] - xd[p] * c;
      if (acc) acc[j] += gd[q] * xd[p] * r;
    }
  });
  if (gw && acc) gw.set(acc);
}

/** One row's mean and 1/√(var + ε) (biased variance). */
function moments(x: Data, p0: number, s: number, C: number, eps: number): [number, number] {
  let sum = 0;
  for (let j = 0, p = p0; j < C; j++, p += s) sum += x[p];
  const mu = sum / C;
  let v = 0;
  for (let j = 0, p = p0; j < C; j++, p += s) v += (x[p] - mu) * (x[p] - mu);
  return [mu, 1 / sqrt(v / C + eps)];
}

export function layerNorm(x: View, w: View, b: View, eps: number, out: Data): void {
  const [xd, wd, wo] = [x.data, w.data, w.offset];
  const [bd, bo] = [b.data, b.offset];
  const [C, sx, sw, sb] = [width(x), last(x), last(w), last(b)];
  forEachRow(x.shape, [x.strides], [x.offset], (o, row) => {
    const [mu, r] = moments(xd, o[0], sx, C, eps);
    for (let j = 0, p = o[0]; j < C; j++, p += sx) out[row * C + j] = (xd[p] - mu) * r * wd[wo + j * sw] + bd[bo + j * sb];
  });
}

/** x̂ = (x − μ)·r, u = gy·w: gx = r·(u − mean(u) − x̂·mean(u·x̂)); gw = Σ gy·x̂, gb = Σ gy. */
export function layerNormBackward(x: View, w: View, gy: View, eps: number, gx: Data, gw: Data | null, gb: Data | null): void {
  const [xd, wd, wo] = [x.data, w.data, w.offset];
  const gd = gy.data;
  const [C, sx, sw, sg] = [width(x), last(x), last(w), last(gy)];
  const [aw, ab] = [gw ? new Float64Array(C) : null, gb ? new Float64Array(C) : null];
  forEachRow(x.shape, [x.strides, gy.strides], [x.offset, gy.offset], (o, row) => {
    const [mu, r] = moments(xd, o[0], sx, C, eps);
    let su = 0;
    let sux = 0;
    for (let j = 0, p = o[0], q = o[1]; j < C; j++, p += sx, q += sg) {
      const u = gd[q] * wd[wo + j * sw];
      su += u;
      sux += u * (xd[p] - mu) * r;
    }
    for (let j = 0, p = o[0], q = o[1]; j < C; j++, p += sx, q += sg) {
      const xh = (xd[p] - mu) * r;
      gx[row * C + j] = r * (gd[q] * wd[wo + j * sw] - su / C - (xh * sux) / C);
      if (aw) aw[j] += gd[q] * xh;
      if (ab) ab[j] += gd[q];
    }
  });
  if (gw && aw) gw.set(aw);
  if (gb && ab) gb.set(ab);
}

/**
 * Half-split RoPE on x [..., T, D] with cos, sin [T, D], pairing a = x_i with b = x_{i+h} (i < h = D/2):
 *   out_i = a·cos_i − b·sin_i,  out_{i+h} = b·cos_{i+h} + a·sin_{i+h}   (x·cos + rotate_half(x)·sin)
 * and its transpose (the backward), which moves each sin to the other element of the pair:
 *   out_i = a·cos_i + b·sin_{i+h},  out_{i+h} = b·cos_{i+h} − a·sin_i.
 */
export function rope(x: View, cos: View, sin: View, out: Data, transpose: boolean): void {
  const nd = x.shape.length;
  const [T, D, h, sx] = [x.shape[nd - 2], width(x), width(x) / 2, last(x)];
  const [xd, cd, sd] = [x.data, cos.data, sin.data];
  const [ct, ci, st, si] = [cos.strides[0], cos.strides[1], sin.strides[0], sin.strides[1]];
  forEachRow(x.shape, [x.strides], [x.offset], (o, row) => {
    const c0 = cos.offset + (row % T) * ct, s0 = sin.offset + (row % T) * st, base = row * D;
    for (let i = 0; i < h; i++) {
      const a = xd[o[0] + i * sx], b = xd[o[0] + (i + h) * sx];
      const sLo = sd[s0 + i * si], sHi = sd[s0 + (i + h) * si];
      out[base + i] = a * cd[c0 + i * ci] + (transpose ? b * sHi : -b * sLo);
      out[base + i + h] = b * cd[c0 + (i + h) * ci] + (transpose ? -a * sLo : a * sHi);
    }
  });
}

const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v)));

/** out = silu(gate) · up = gate·σ(gate)·up. */
export function swiglu(gate: View, up: View, out: Data): void {
  const [n, sg, su] = [width(gate), last(gate), last(up)];
  forEachRow(gate.shape, [gate.strides, up.strides], [gate.offset, up.offset], (o, row) => {
    for (let j = 0, p = o[0], q = o[1]; j < n; j++, p += sg, q += su) out[row * n + j] = gate.data[p] * sigmoid(gate.data[p]) * up.data[q];
  });
}

/** gGate = gy·up·σ(g)(1 + g(1 − σ(g))), gUp = gy·silu(g). */
export function swigluBackward(gate: View, up: View, gy: View, gGate: Data, gUp: Data): void {
  const [n, sg, su, sy] = [width(gate), last(gate), last(up), last(gy)];
  forEachRow(gate.shape, [gate.strides, up.strides, gy.strides], [gate.offset, up.offset, gy.offset], (o, row) => {
    for (let j = 0, p = o[0], q = o[1], y = o[2]; j < n; j++, p += sg, q += su, y += sy) {
      const [g, s] = [gate.data[p], sigmoid(gate.data[p])];
      gGate[row * n + j] = gy.data[y] * up.data[q] * s * (1 + g * (1 - s));
      gUp[row * n + j] = gy.data[y] * g * s;
    }
  });
}
