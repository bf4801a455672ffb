/** The tensor layer's public surface. */
export { Tensor, type TensorLike } from './tensor.js';
export { TensorError } from './errors.js';
export { getBackend, setBackend, onBackendLog } from './backend-select.js';
export * from './create.js';
export { Rng } from './random.js';
export { add, sub, mul, div, maximum, eq, gt, sum, mean, max, argmax, matmul, softmax, logSoftmax, gather, where, unary } from './ops.js';
export { reshape, permute, transpose, expand, slice, select, squeeze, unsqueeze, contiguous, cat, stack } from './views.js';
export * from './nn.js';
export { isGradEnabled, noGrad } from './record.js';
export { tidy, keep, arenaStats, resetArenaStats, setBufferPooling, type TidyOptions } from './arena.js';
