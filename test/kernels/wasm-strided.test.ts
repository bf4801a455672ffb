/**
 * The SIMD strided kernel (kernels/wasm/strided.ts, wat/strided.ts) against the reference backend, bit
 * for bit: binary ops with broadcasting and copies of views, on operands in wasm memory and on small
 * host operands copied in, over the layouts that collapse to one 2-D block, to a few blocks, and to one
 * long row (cut into rows for the threads), row lengths around the vector width, NaN in maximum, and
 * what it declines (the JS loops compute those); sums and maxima along any axis (reduce_rows).
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { collapse, reduceRows, stridedAssign, stridedRows } from '../../src/kernels/wasm/strided.js';
import { STRIDED_OPS } from '../../src/kernels/wasm/wat/strided.js';
import { useKernelRig, random, view } from './wasm-helpers.js';

const rig = useKernelRig();
const resident = (values: Float32Array | number) => rig.resident(values);

const dense = (shape: number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((n, s) => n * s, 1));
const numel = (shape: number[]) => shape.reduce((n, s) => n * s, 1);

/** [name, shape, a's strides, b's strides] over a 20000-element source each. */
const cases: Array<[string, number[], number[], number[]]> = [
  ['same shape (one long row, cut into rows)', [3, 2900], [2900, 1], [2900, 1]],
  ['bias row broadcast', [2, 7, 13], [91, 13, 1], [0, 0, 1]],
  ['column broadcast', [9, 6], [6, 1], [1, 0]],
  ['scalar broadcast on the left', [5, 11], [0, 0], [11, 1]],
  ['rows of 1, 2, 3 columns', [17, 3], [3, 1], [0, 1]],
  ['transposed a (scalar columns)', [6, 10], [1, 6], [10, 1]],
  ['heads transposed: a few 2-D blocks', [4, 9, 8], [8, 32, 1], [72, 8, 1]],
  ['rows along the longest dim (heads transposed back)', [9, 4, 8], [8, 72, 1], [32, 8, 1]],
  ['size-1 dims between', [3, 1, 5, 1, 8], [40, 0, 8, 0, 1], [0, 7, 0, 3, 1]],
  ['offset rows with a gap', [6, 12], [16, 1], [12, 1]],
];

describe.each(STRIDED_OPS.filter((op) => op !== 'copy'))('%s', (op) => {
  it.each(cases)('%s, resident and host operands', (_, shape, sa, sb) => {
    const [A, B] = [random(20000, 3).map((v, i) => (i % 9 === 0 ? -v : v + 1.5)), random(20000, 4).map((v, i) => (i % 13 === 0 ? 0.25 : v - 0.5))];
    for (const [da, db] of [[resident(A), resident(B)], [resident(A), B]] as const) {
      const [a, b]: View[] = [view(da, shape, sa, 3), view(db, shape, sb, 1)];
      const want = new Float32Array(numel(shape));
      cpu.binary(op, a, b, want);
      const got = resident(want.length);
      expect(stridedRows(rig.heap, rig.pool, op, a, b, got)).toBe(true);
      expect(got).toEqual(want);
    }
  });
});

it('maximum keeps the reference NaN rule (a NaN on the left gives b, on the right NaN)', () => {
  const a = resident(Float32Array.from([NaN, 1, NaN, 2, 5, NaN, 0, -1, 3]));
  const b = resident(Float32Array.from([1, NaN, NaN, 3, 4, 2, -0, NaN, 3]));
  const got = resident(9);
  expect(stridedRows(rig.heap, rig.pool, 'maximum', view(a, [9], [1]), view(b, [9], [1]), got)).toBe(true);
  const want = new Float32Array(9);
  cpu.binary('maximum', view(a, [9], [1]), view(b, [9], [1]), want);
  expect(Array.from(got)).toEqual(Array.from(want));
});

it.each(cases)('copy of %s (view a)', (_, shape, sa) => {
  const x = view(resident(random(20000, 5)), shape, sa, 2);
  const want = new Float32Array(numel(shape));
  cpu.copy(x, want);
  const got = resident(want.length);
  expect(stridedRows(rig.heap, rig.pool, 'copy', x, null, got)).toBe(true);
  expect(got).toEqual(want);
});

it.each([
  ['query rows into a window of every head', [8, 149, 64], [9536, 64, 1], [38208, 64, 1], 64 * 150],
  ['a broadcast source into columns of a wider matrix', [5, 7, 6], [0, 0, 1], [126, 14, 1], 3],
  ['a transposed source', [6, 10], [1, 6], [12, 1], 1],
] as const)('assign: %s', (_, shape, ss, ds, offset) => {
  const src = view(resident(random(80000, 7)), [...shape], [...ss], 1);
  const [want, got] = [new Float32Array(320000), resident(random(320000, 8))];
  want.set(got);
  cpu.assign(src, view(want, [...shape], [...ds], offset));
  expect(stridedAssign(rig.heap, rig.pool, src, view(got, [...shape], [...ds], offset))).toBe(true);
  expect(got).toEqual(want);
});

it('assign declines columns of stride 2, a host window and a source in the same array', () => {
  const data = resident(random(4000, 9));
  const before = Float32Array.from(data);
  const src = view(resident(random(100, 10)), [10, 10], [10, 1]);
  expect(stridedAssign(rig.heap, rig.pool, src, view(data, [10, 10], [40, 2]))).toBe(false);
  expect(stridedAssign(rig.heap, rig.pool, src, view(new Float32Array(100), [10, 10], [10, 1]))).toBe(false);
  expect(stridedAssign(rig.heap, rig.pool, view(data, [10, 10], [10, 1]), view(data, [10, 10], [20, 1], 5))).toBe(false);
  expect(data).toEqual(before);
});

describe.each(['sum', 'max'] as const)('reduce %s (reduce_rows) as the reference, bit for bit', (op) => {
  const values = random(80000, 9).map((v, i) => (i % 50 === 0 ? -0 : i % 997 === 0 ? NaN : i % 31 === 0 ? 1e7 * v : v));
  it.each([
    ['the energy\'s batch axis of 1 (strided)', [3, 1, 40, 64], [64, 7, 192, 1], 1],
    ['the leading axis, contiguous columns (odd width)', [7, 13, 33], [429, 33, 1], 0],
    ['a middle axis of 8 (heads)', [1, 8, 16, 576], [73728, 9216, 576, 1], 1],
    ['the last axis (strided columns)', [40, 3, 17], [51, 17, 1], 2],
    ['a transposed view', [30, 20], [1, 30], 0],
    ['an axis of length 0', [5, 0, 6], [6, 6, 1], 1],
  ] as const)('%s', (_, shape, strides, axis) => {
    const x = view(resident(values), [...shape], [...strides], 5);
    const want = new Float32Array((shape as readonly number[]).reduce((n: number, d, i) => n * (i === axis ? 1 : d), 1));
    cpu.reduce(op, x, axis, want);
    const got = resident(want.length);
    expect(reduceRows(rig.heap, rig.pool, op, x, axis, got)).toBe(want.length > 0);
    expect(Array.from(got).map((v) => Object.is(v, -0))).toEqual(Array.from(want).map((v) => Object.is(v, -0)));
    expect(got).toEqual(want);
  });
  it('declines a host x or output (the reference computes those)', () => {
    const x = view(values.slice(0, 600), [20, 30], [30, 1]);
    expect(reduceRows(rig.heap, rig.pool, op, x, 0, resident(30))).toBe(false);
    expect(reduceRows(rig.heap, rig.pool, op, view(resident(values.slice(0, 600)), [20, 30], [30, 1]), 0, new Float32Array(30))).toBe(false);
  });
});

it('declines a host output, float64, a host operand larger than twice the output and more than 64 blocks, writing nothing', () => {
  const shape = [70, 3, 5];
  const big = random(100000, 6);
  const a = view(resident(big), shape, dense(shape));
  const declined: Array<[View, View, Float32Array | Float64Array]> = [
    [a, a, new Float32Array(1050)], // output on the host
    [view(Float64Array.from(big), shape, dense(shape)), a, resident(1050)],
    [view(big, [90, 300], [1000, 1]), view(resident(27000), [90, 300], [300, 1]), resident(27000)], // 89300 host elements for 27000
    [view(resident(big), [9, 9, 9, 4], [1, 9, 81, 729]), view(resident(324), [9, 9, 9, 4], [324, 36, 4, 1]), resident(324)], // 81 blocks
  ];
  for (const [x, y, out] of declined) {
    expect(stridedRows(rig.heap, rig.pool, 'add', x, y, out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
  }
});

it('collapse merges the dims every operand walks as one and drops size-1 dims', () => {
  expect(collapse([2, 3, 4], [[12, 4, 1], [0, 0, 1]])).toEqual({ shape: [6, 4], strides: [[4, 1], [0, 1]] });
  expect(collapse([2, 1, 3, 4], [[12, 99, 4, 1], [12, 5, 4, 1]])).toEqual({ shape: [24], strides: [[1], [1]] });
  expect(collapse([4, 9, 8], [[8, 32, 1], [72, 8, 1]])).toEqual({ shape: [4, 9, 8], strides: [[8, 32, 1], [72, 8, 1]] });
  expect(collapse([1, 1], [[3, 1]])).toEqual({ shape: [], strides: [[]] });
});
