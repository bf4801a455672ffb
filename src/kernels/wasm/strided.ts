/**
 * Host side of `strided_rows` (wat/strided.ts) and `reduce_rows` (wat/reduce.ts): binary ops with
 * broadcasting, copies of views, assignments into a window (dst ← src, dst's rows unit-stride), and
 * sums and maxima along an axis, on float32 operands that live in wasm memory (resident.ts) or are
 * small enough to copy in (a bias, a scalar, a row of cos). The views' dims are first collapsed (size-1
 * dims dropped, neighbours merged where every operand steps through them as one dim), which turns most
 * layouts into one 2-D block: [B, T, C] + [C] is R = B·T rows against one repeated row, a residual add
 * is one long row (split into rows of ROW for the threads), a head transpose is a few 2-D blocks (rows
 * along the longest dim). `stridedRows`, `stridedAssign` and `reduceRows` return false, having done
 * nothing, for what they do not take (float64, a host output, more than MAX_BLOCKS blocks, a large
 * host operand, an assignment within one array): the caller's JS loops (elementwise.ts) or the
 * reference compute those.
 */
import type { Backend, Data, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { contiguousStrides, numel } from '../layout.js';
import type { BinaryOp } from '../scalar.js';
import { assign, binary } from './elementwise.js';
import type { Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';
import { STRIDED_OPS, type StridedOp } from './wat/strided.js';
import { REDUCE_OPS } from './wat/reduce.js';

/** Elements of a host operand copied into wasm memory per call (a bias row, a table of cos). */
const MAX_COPIED = 1 << 16;
/** Elements of any host operand copied in (a larger one stays with the JS loops). */
const MAX_SPAN = 1 << 20;
/** 2-D blocks dispatched per call before the JS loops are cheaper. */
const MAX_BLOCKS = 64;
/** The row length a single long row is cut into, so that threads can share it. */
const ROW = 4096;
/** Elements per claim (and below this many in all, one thread). */
const CLAIM = 1 << 13;

interface Collapsed {
  shape: number[];
  /** strides[v][d] of operand v */
  strides: number[][];
}

const isStridedOp = (op: BinaryOp): op is Exclude<StridedOp, 'copy'> => (STRIDED_OPS as readonly string[]).includes(op);

/**
 * The backend's binary, copy, assign, and sum / max along an axis: the kernels where they take the
 * operands, else the JS loops (argmax, and reductions they decline: the reference).
 */
export function stridedOps(heap: Heap, pool: ThreadPool): Pick<Backend, 'binary' | 'copy' | 'assign' | 'reduce'> {
  return {
    binary(op, a, b, out) {
      if (!isStridedOp(op) || !stridedRows(heap, pool, op, a, b, out)) binary(op, a, b, out);
    },
    copy(x, out) {
      if (!stridedRows(heap, pool, 'copy', x, null, out)) cpu.copy(x, out);
    },
    assign(src, dst) {
      if (!stridedAssign(heap, pool, src, dst)) assign(src, dst);
    },
    reduce(op, x, axis, out) {
      if (op === 'argmax' || !reduceRows(heap, pool, op, x, axis, out)) cpu.reduce(op, x, axis, out);
    },
  };
}

/** Drops size-1 dims and merges neighbours that every operand walks as one (d, d+1 → one dim of shape[d]·shape[d+1]). */
export function collapse(shape: readonly number[], strides: ReadonlyArray<readonly number[]>): Collapsed {
  const out: Collapsed = { shape: [], strides: strides.map(() => []) };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = out.shape.length - 1;
    if (k >= 0 && strides.every((s, v) => out.strides[v][k] === s[d] * shape[d])) {
      out.shape[k] *= shape[d];
      strides.forEach((s, v) => (out.strides[v][k] = s[d]));
      continue;
    }
    out.shape.push(shape[d]);
    strides.forEach((s, v) => out.strides[v].push(s[d]));
  }
  return out;
}

/**
 * The byte address of v's elements from its offset on: in place when resident, else its span copied into
 * slot `name` when that is small or no larger than twice the output (one block copy is still cheaper
 * than the JS loop), else undefined.
 */
function place(heap: Heap, v: View, c: Collapsed, k: number, name: string, outLength: number): number | undefined {
  const data = v.data as Float32Array;
  const resident = heap.addressOf(data);
  if (resident !== undefined) return resident + 4 * v.offset;
  let span = 1;
  c.shape.forEach((n, d) => (span += (n - 1) * Math.abs(c.strides[k][d])));
  if (span > Math.max(MAX_COPIED, Math.min(MAX_SPAN, 2 * outLength)) || c.strides[k].some((s) => s < 0)) return undefined;
  const at = heap.scratch(name, 4 * span);
  heap.f32.set(data.subarray(v.offset, v.offset + span), at / 4);
  return at;
}

/** The collapsed dims split into one 2-D block's rows and columns and the blocks over the other dims. */
interface Plan extends Collapsed {
  /** the rows' dim: the longest one but the last (a transpose's other axis); −1 for one row */
  row: number;
  /** the dims the blocks run over */
  outer: number[];
  blocks: number;
}

/** `outStrides`: the output's (default dense). */
function plan(views: View[], shape: readonly number[], outStrides: readonly number[] = contiguousStrides(shape)): Plan {
  const c = collapse(shape, [...views.map((v) => v.strides), outStrides]);
  const nd = c.shape.length;
  const row = nd < 2 ? -1 : c.shape.slice(0, nd - 1).reduce((best, n, d) => (n > c.shape[best] ? d : best), 0);
  const outer = c.shape.map((_, d) => d).filter((d) => d !== row && d !== nd - 1);
  return { ...c, row, outer, blocks: outer.reduce((n, d) => n * c.shape[d], 1) };
}

/** out = a ∘ b (or out = a for 'copy'), out dense with the views' shape; false when not taken (see above). */
export function stridedRows(heap: Heap, pool: ThreadPool, op: StridedOp, a: View, b: View | null, out: Data): boolean {
  if (!(out instanceof Float32Array) || !(a.data instanceof Float32Array) || (b && !(b.data instanceof Float32Array))) return false;
  const o = heap.addressOf(out);
  if (o === undefined || out.length === 0) return false;
  const views = b ? [a, b] : [a];
  const p = plan(views, a.shape);
  if (p.blocks > MAX_BLOCKS) return false;
  const at = views.map((v, k) => place(heap, v, p, k, `strided_${k}`, out.length));
  if (at.some((x) => x === undefined)) return false;
  // operand strides [a, b, out]; without b, a again with b's strides 0 (the kernel reads and ignores it)
  const strides = [p.strides[0], b ? p.strides[1] : p.strides[0].map(() => 0), p.strides[views.length]];
  run(heap, pool, op, p, [at[0]!, at[at.length - 1]!, o], strides);
  return true;
}

/** dst ← src where dst is a window of rows with unit element stride in wasm memory; false when not taken. */
export function stridedAssign(heap: Heap, pool: ThreadPool, src: View, dst: View): boolean {
  if (!(src.data instanceof Float32Array) || !(dst.data instanceof Float32Array)) return false;
  const o = heap.addressOf(dst.data);
  if (o === undefined || src.data === dst.data || src.shape.some((n) => n === 0)) return false;
  const p = plan([src], src.shape, dst.strides);
  const nd = p.shape.length;
  if (p.blocks > MAX_BLOCKS || (nd && p.strides[1][nd - 1] !== 1) || p.strides[1].some((s) => s < 0)) return false;
  const at = place(heap, src, p, 0, 'strided_0', numel(p.shape));
  if (at === undefined) return false;
  run(heap, pool, 'copy', p, [at, at, o + 4 * dst.offset], [p.strides[0], p.strides[0].map(() => 0), p.strides[1]]);
  return true;
}

/**
 * The planned 2-D blocks with operands walked by `strides` (one list per operand): R rows along the
 * plan's row dim, N columns along the last, each operand's row and column stride, and `each(fn)` calling
 * fn with every block's element offset per operand.
 */
function blocksOf(p: Plan, strides: number[][]) {
  const nd = p.shape.length;
  return {
    R: p.row < 0 ? 1 : p.shape[p.row],
    N: nd ? p.shape[nd - 1] : 1,
    rows: strides.map((s) => (p.row < 0 ? 0 : s[p.row])),
    cols: strides.map((s) => (nd ? s[nd - 1] : 0)),
    each: (fn: (offsets: number[]) => void) =>
      forEachIndex(p.outer.map((d) => p.shape[d]), (idx) => fn(strides.map((s) => idx.reduce((n, i, k) => n + i * s[p.outer[k]], 0)))),
  };
}

function run(heap: Heap, pool: ThreadPool, op: StridedOp, p: Plan, base: number[], strides: number[][]): void {
  const { R, N, rows, cols: [ac, bc], each } = blocksOf(p, strides);
  if (p.row < 0 && N >= 2 * ROW && ac <= 1 && bc <= 1) {
    // one long row (a flat add, a copy of a contiguous span): rows of ROW, the remainder below
    const whole = Math.floor(N / ROW) * ROW;
    dispatch(heap, pool, op, [base[0], base[1], base[2], whole / ROW, ROW, ROW * ac, ac, ROW * bc, bc, ROW]);
    dispatch(heap, pool, op, [base[0] + 4 * whole * ac, base[1] + 4 * whole * bc, base[2] + 4 * whole, 1, N - whole, 0, ac, 0, bc, 0]);
    return;
  }
  each((offsets) => {
    const at = base.map((b, v) => b + 4 * offsets[v]);
    dispatch(heap, pool, op, [at[0], at[1], at[2], R, N, rows[0], ac, rows[1], bc, rows[2]]);
  });
}

/** fn(index, k) for every index of `shape` in row-major order (once, with [], for no dims). */
export function forEachIndex(shape: readonly number[], fn: (index: number[], k: number) => void): void {
  const idx = shape.map(() => 0);
  const count = numel(shape);
  for (let k = 0; k < count; k++) {
    fn(idx, k);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
}

/**
 * out = sum or max of x along `axis` (reduce_rows, wat/reduce.ts), the other dims planned as above (out
 * dense); x and out in wasm memory. False, having done nothing, for what it does not take.
 */
export function reduceRows(heap: Heap, pool: ThreadPool, op: 'sum' | 'max', x: View, axis: number, out: Data): boolean {
  if (!(out instanceof Float32Array) || !(x.data instanceof Float32Array)) return false;
  const [xa, o] = [heap.addressOf(x.data), heap.addressOf(out)];
  if (xa === undefined || o === undefined || out.length === 0) return false;
  const [L, sl] = [x.shape[axis], x.strides[axis]];
  const others = (v: readonly number[]) => v.filter((_, d) => d !== axis);
  const p = plan([{ ...x, shape: others(x.shape), strides: others(x.strides) }], others(x.shape));
  if (p.blocks > MAX_BLOCKS) return false;
  const { R, N, rows: [xr, or], cols: [xc], each } = blocksOf(p, p.strides);
  const chunk = Math.max(1, Math.ceil(CLAIM / Math.max(1, N * L)));
  const nth = R * N * L < 4 * CLAIM ? 1 : pool.threads;
  each(([dx, dout]) => {
    heap.i32.set([xa + 4 * (x.offset + dx), o + 4 * dout, R, N, xr, xc, L, sl, or, REDUCE_OPS.indexOf(op), chunk], PARAMS / 4);
    pool.run('reduce_rows', PARAMS, nth);
  });
  return true;
}

function dispatch(heap: Heap, pool: ThreadPool, op: StridedOp, w: number[]): void {
  const [R, N] = [w[3], w[4]];
  if (R * N === 0) return;
  const chunk = Math.max(1, Math.ceil(CLAIM / N));
  heap.i32.set([...w, STRIDED_OPS.indexOf(op), chunk], PARAMS / 4);
  pool.run('strided_rows', PARAMS, R * N < 4 * CLAIM ? 1 : pool.threads);
}
