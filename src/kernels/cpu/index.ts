/**
 * The plain-TypeScript reference backend over Float32Array / Float64Array. It is the ground truth
 * every faster backend is compared with; it favours clarity over speed.
 */
import type { Backend } from '../backend.js';
import { assign, binary, copy, unary, unaryBackward, where } from './elementwise.js';
import { matmulHalf } from './half.js';
import { gather, matmul, scatterAdd } from './matmul.js';
import { reduce, softmax } from './reduce.js';
import { attentionProbsVia, softmaxBackward } from './attention.js';
import { layerNorm, layerNormBackward, rmsNorm, rmsNormBackward, rope, swiglu, swigluBackward } from './fused.js';

export const cpu: Backend = {
  name: 'cpu',
  copy,
  assign,
  unary,
  unaryBackward,
  binary,
  reduce,
  matmul,
  softmax,
  gather,
  scatterAdd,
  where,
  matmulHalf,
  attentionProbs: (q, k, spec, p) => attentionProbsVia({ matmul, softmax }, q, k, spec, p),
  softmaxBackward,
  rmsNorm,
  rmsNormBackward,
  layerNorm,
  layerNormBackward,
  rope,
  swiglu,
  swigluBackward,
};
