/**
 * The whole kernel module as WAT text: one shared memory imported from the host, and thread entry
 * points that all take (tid, nth, paramsAddress). `kernelNames` is the dispatch table shared by the
 * main thread and the workers (a kernel is called by its index in this list).
 */
import { defaultGemmConfig, emitGemm, type GemmConfig } from './gemm.js';
import { emitGemv } from './gemv.js';
import { emitGated } from './gated.js';
import { emitGelu } from './gelu.js';
import { emitNorm } from './norm.js';
import { emitSoftmax } from './softmax.js';
import { emitReduce } from './reduce.js';
import { emitRope } from './rope.js';
import { emitStrided } from './strided.js';
import type { EmitOptions } from './util.js';

export const kernelNames = ['gemm', 'pack_b_f32', 'pack_b_f16', 'pack_b_bf16', 'gemv_packed', 'gemv_f16', 'gemv_bf16', 'softmax_rows', 'softmax_grad_rows', 'gated_rows', 'rms_rows', 'strided_rows', 'rope_rows', 'gelu_rows', 'reduce_rows'] as const;
export type KernelName = (typeof kernelNames)[number];

/** 4 GiB: the wasm32 ceiling. Shared memories reserve their maximum as address space only. */
export const MAX_PAGES = 65536;

export interface ModuleOptions extends EmitOptions {
  gemm?: GemmConfig;
  /** Import a shared memory (default true); false for one thread where SharedArrayBuffer is missing. */
  shared?: boolean;
}

export function emitModule(o: ModuleOptions): string {
  const g = o.gemm ?? defaultGemmConfig;
  return `(module
  (import "env" "memory" (memory 1 ${MAX_PAGES}${o.shared === false ? '' : ' shared'}))
${emitGemm(g, o)}
${emitGemv(g.kc, o)}
${emitSoftmax(o)}
${emitGated(o)}
${emitNorm()}
${emitStrided()}
${emitRope()}
${emitGelu()}
${emitReduce()}
)`;
}
