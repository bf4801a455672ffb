/**
 * The cache of constant float32 weights in wasm memory: a Linear weight is copied and packed into GEMM
 * panels once, then every later product with it reads the cached copy. Half-precision weights are not
 * cached here: they are adopted into wasm memory while a budget allows (resident.ts), else streamed
 * through it block by block (matmul.ts), so that a checkpoint larger than wasm memory (a 7B's 14 GB)
 * runs with no second copy.
 *
 * Entries are keyed by the host typed array (WeakMap) and the layout used. They are freed when the
 * array is garbage-collected (FinalizationRegistry), evicted least-recently-used beyond a byte
 * budget, and dropped by `invalidate(data)`, which the backend's `assign` calls for its target:
 * writing into a weight's array by other means requires calling `invalidate` yourself.
 */
import type { Heap } from './heap.js';

interface Entry {
  at: number;
  bytes: number;
  key: string;
  group: Map<string, Entry>;
}

export class WeightCache {
  private readonly byArray = new WeakMap<object, Map<string, Entry>>();
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly lru = new Set<Entry>();
  private readonly finalizer = new FinalizationRegistry<Map<string, Entry>>((group) => {
    for (const e of group.values()) this.drop(e);
  });
  private total = 0;

  constructor(private readonly heap: Heap, readonly budgetBytes: number) {}

  /** Bytes held by cached weights. */
  get bytes(): number {
    return this.total;
  }

  /** The address of `key` for `array`, building it with `build(address)` on a miss. */
  get(array: object, key: string, bytes: number, build: (at: number) => void): number {
    let group = this.byArray.get(array);
    const hit = group?.get(key);
    if (hit) {
      this.lru.delete(hit);
      this.lru.add(hit);
      return hit.at;
    }
    if (bytes > this.budgetBytes) {
      throw new RangeError(`wasm weight cache: one weight needs ${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${(this.budgetBytes / 2 ** 20).toFixed(0)} MiB budget`);
    }
    for (const old of this.lru) {
      if (this.total + bytes <= this.budgetBytes) break;
      this.drop(old);
    }
    if (!group) {
      group = new Map();
      this.byArray.set(array, group);
      this.finalizer.register(array, group);
    }
    const entry: Entry = { at: this.heap.alloc(bytes), bytes, key, group };
    try {
      build(entry.at);
    } catch (e) {
      this.heap.release(entry.at);
      throw e;
    }
    group.set(key, entry);
    this.lru.add(entry);
    this.total += bytes;
    return entry.at;
  }

  /** Forgets every cached form of `array` (call after writing into it). */
  invalidate(array: object): void {
    const group = this.byArray.get(array);
    if (group) for (const e of [...group.values()]) this.drop(e);
  }

  clear(): void {
    for (const e of [...this.lru]) this.drop(e);
  }

  private drop(e: Entry): void {
    if (!this.lru.delete(e)) return;
    e.group.delete(e.key);
    this.heap.release(e.at);
    this.total -= e.bytes;
  }
}
