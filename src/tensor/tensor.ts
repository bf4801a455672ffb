/**
 * Tensor = typed-array storage + layout {shape, strides, offset} + dtype + backend + recorded node.
 * Views share storage and are O(1). Methods are thin delegations to the op modules, so the ops
 * themselves read as plain functions (ops.ts, views.ts, nn.ts).
 */
import type { Backend, Data, DType, View } from '../kernels/backend.js';
import { contiguousStrides, formatShape, isContiguous, numel } from '../kernels/layout.js';
import { TensorError } from './errors.js';
import * as ops from './ops.js';
import type { Node } from './record.js';
import * as views from './views.js';

export type Scalar = number;
export type TensorLike = Tensor | Scalar;

export class Tensor implements View {
  /** Set on leaves by the user; set on outputs by recording. */
  requiresGrad = false;
  /** The op that produced this tensor, when it was recorded. */
  node: Node | null = null;

  constructor(
    readonly data: Data,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly backend: Backend,
  ) {}

  /** A contiguous tensor over `data` (which must hold exactly numel(shape) elements). */
  static of(data: Data, shape: readonly number[], backend: Backend): Tensor {
    if (data.length !== numel(shape)) {
      throw new TensorError('tensor', `${data.length} values do not fill shape ${formatShape(shape)} (${numel(shape)})`);
    }
    return new Tensor(data, [...shape], contiguousStrides(shape), 0, backend);
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return numel(this.shape);
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  toString(): string {
    return `Tensor${formatShape(this.shape)} ${this.dtype} on ${this.backend.name}${this.requiresGrad ? ' (requires grad)' : ''}`;
  }

  /** Marks a leaf as a variable to differentiate with respect to; returns this. */
  requireGrad(flag = true): this {
    if (this.node) throw new TensorError('requireGrad', `${this} is the output of an op, not a leaf; call detach() first`);
    this.requiresGrad = flag;
    return this;
  }
  /** The same storage and layout, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, this.backend);
  }
  /** The same values on another backend (storage is shared: every backend reads host typed arrays). */
  to(backend: Backend): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, backend);
  }

  /** Values in row-major order as a fresh typed array. */
  toTypedArray(): Data {
    const c = this.contiguous();
    if (c.offset === 0 && c.data.length === c.size) return c.data.slice();
    return c.data.slice(c.offset, c.offset + c.size);
  }
  toArray(): number[] {
    return Array.from(this.toTypedArray());
  }
  item(): number {
    if (this.size !== 1) throw new TensorError('item', `tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[this.offset];
  }

  // elementwise
  add(o: TensorLike) { return ops.add(this, o); }
  sub(o: TensorLike) { return ops.sub(this, o); }
  mul(o: TensorLike) { return ops.mul(this, o); }
  div(o: TensorLike) { return ops.div(this, o); }
  maximum(o: TensorLike) { return ops.maximum(this, o); }
  neg() { return ops.unary('neg', this); }
  exp() { return ops.unary('exp', this); }
  log() { return ops.unary('log', this); }
  sqrt() { return ops.unary('sqrt', this); }
  rsqrt() { return ops.unary('rsqrt', this); }
  square() { return ops.unary('square', this); }
  abs() { return ops.unary('abs', this); }
  tanh() { return ops.unary('tanh', this); }
  sigmoid() { return ops.unary('sigmoid', this); }
  // reductions
  sum(axes?: number | number[], keepdim = false) { return ops.sum(this, axes, keepdim); }
  mean(axes?: number | number[], keepdim = false) { return ops.mean(this, axes, keepdim); }
  max(axis: number, keepdim = false) { return ops.max(this, axis, keepdim); }
  argmax(axis: number, keepdim = false) { return ops.argmax(this, axis, keepdim); }
  matmul(o: Tensor) { return ops.matmul(this, o); }
  softmax(axis = -1) { return ops.softmax(this, axis); }
  logSoftmax(axis = -1) { return ops.logSoftmax(this, axis); }
  // views
  reshape(shape: readonly number[]) { return views.reshape(this, shape); }
  permute(dims: readonly number[]) { return views.permute(this, dims); }
  transpose(a = -2, b = -1) { return views.transpose(this, a, b); }
  expand(shape: readonly number[]) { return views.expand(this, shape); }
  slice(axis: number, start: number, end?: number, step = 1) { return views.slice(this, axis, start, end, step); }
  select(axis: number, index: number) { return views.select(this, axis, index); }
  squeeze(axis?: number) { return views.squeeze(this, axis); }
  unsqueeze(axis: number) { return views.unsqueeze(this, axis); }
  contiguous() { return views.contiguous(this); }
}
