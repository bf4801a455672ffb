/**
 * The KV cache: every layer's keys (post-RoPE) and values for the positions seen so far, k, v
 * [1, Hkv, S, D]. A decode never changes the cache it is given; it returns a longer one.
 *
 * Appending by concatenation would copy the whole cache on every generated token and hold the old and
 * the new one at once (a 7B's is 0.6 GB at LLaVA's 597-token prompt). So, as HF's StaticCache and
 * llama2.c's key_cache do, a prefill that is told how many positions will follow (`reserve`) writes its
 * k/v into a `KVStore` with room for them, and each later decode writes its rows after the filled ones
 * and returns views of the first S positions. The older caches stay valid: they are views of positions
 * nobody writes again. A second continuation of the same cache (the store is already filled past it),
 * a decode past the room, or a recorded one (autograd) concatenates instead.
 */
import { cat, isGradEnabled, zeros, type Tensor } from '../tensor/index.js';

/** Storage with room for `k.shape[2]` positions, k, v [1, Hkv, room, D], of which the first `filled` are written. */
export class KVStore {
  constructor(readonly k: Tensor, readonly v: Tensor, public filled: number) {}
}

/** One layer's cache entry: k, v [1, Hkv, S, D], the first S positions of `store` when it has one. */
export type LayerKV = { k: Tensor; v: Tensor; store?: KVStore };

export class KVCache {
  constructor(readonly layers: ReadonlyArray<LayerKV>) {}
  /** Number of cached positions S. */
  get length(): number {
    return this.layers.length ? this.layers[0].k.shape[2] : 0;
  }
}

/**
 * `past` (S0 positions, or none) followed by this step's k, v [1, Hkv, T, D]: in place in past's store
 * when it ends where the store is filled and has room, else in a new store of `reserve` positions when
 * that is more than S0 + T (a prefill told what follows), else concatenated.
 */
export function extendKV(past: LayerKV | undefined, k: Tensor, v: Tensor, reserve = 0): LayerKV {
  const S0 = past?.k.shape[2] ?? 0;
  const S = S0 + k.shape[2];
  const concatenated = () => (past ? { k: cat([past.k, k], 2), v: cat([past.v, v], 2) } : { k, v });
  if (isGradEnabled()) return concatenated();
  let store = past?.store;
  if (!store || store.filled !== S0 || S > store.k.shape[2]) {
    if (reserve <= S) return concatenated();
    const [B, Hkv, , D] = k.shape;
    store = new KVStore(zeros([B, Hkv, reserve, D], { like: k }), zeros([B, Hkv, reserve, D], { like: v }), 0);
    if (past) write(store, past.k, past.v, 0);
  }
  write(store, k, v, S0);
  return { k: store.k.slice(2, 0, S), v: store.v.slice(2, 0, S), store };
}

/** k, v [1, Hkv, T, D] into positions at..at+T of the store. */
function write(store: KVStore, k: Tensor, v: Tensor, at: number): void {
  const T = k.shape[2];
  k.backend.assign(k, store.k.slice(2, at, at + T));
  v.backend.assign(v, store.v.slice(2, at, at + T));
  store.filled = at + T;
}
