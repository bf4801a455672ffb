/**
 * What a decoder's `decode` takes and returns (Llama, Qwen2.5-VL's text model): the KV cache, the options,
 * the result, one layer's outputs, and the rule for naming layers by index.
 */
import type { Tensor } from '../tensor/index.js';
import type { KVCache, KVStore } from './kv-cache.js';

export interface DecodeOptions {
  /** Earlier positions; never changed (decode returns a longer cache; kv-cache.ts). */
  cache?: KVCache;
  /**
   * Positions the returned cache should have room for (this input's and those that will follow), so that
   * the decodes after it write into it instead of copying it (kv-cache.ts); a family may ignore it.
   */
  reserve?: number;
  /** Layers whose attention probabilities to return ('all' = every layer). */
  captureAttention?: readonly number[] | 'all';
  /** Position of the first input row (default: cache length). */
  positionOffset?: number;
  /** Also return HF-style hidden states (L+1 entries). */
  outputHiddenStates?: boolean;
  /** Run the LM head on the last position only: logits [1, 1, V] (what generation needs). */
  lastLogitsOnly?: boolean;
}

export interface DecodeResult {
  logits: Tensor; // [1, T, V]
  cache: KVCache;
  /** layer → softmax probabilities [1, H, T, S]; the op outputs themselves, so differentiable when recording. */
  attentions: Map<number, Tensor>;
  hiddenStates?: Tensor[]; // (L+1) × [1, T, C]
}

/** One decoder layer's outputs: h [B, T, C], k/v [B, Hkv, S, D] (and their store, kv-cache.ts), probs [B, H, T, S]. */
export type LayerOut = { h: Tensor; k: Tensor; v: Tensor; store?: KVStore; probs: Tensor };

/**
 * Decoder layer indices: 'all', or a list where negative indices count from the end (−1 = the last
 * layer); `what` names the caller in the out-of-range error. The one home of this rule.
 */
export function resolveLayerIndices(sel: readonly number[] | 'all', L: number, what = 'layer'): number[] {
  if (sel === 'all') return Array.from({ length: L }, (_, i) => i);
  return sel.map((l) => {
    if (!Number.isInteger(l) || l < -L || l >= L) throw new Error(`${what} ${l} is out of range for a decoder of ${L} layers`);
    return l < 0 ? l + L : l;
  });
}

/** captureAttention's selection as a set of layer indices. */
export function resolveLayers(sel: readonly number[] | 'all' | undefined, L: number): Set<number> {
  return new Set(sel === undefined ? [] : resolveLayerIndices(sel, L, 'decode: captureAttention layer'));
}
