/**
 * A least-recently-used cache of compiled kernels keyed by shape (e.g. `nt:M×N×K×batch`). GPU.js
 * bakes sizes into the generated code, so each shape is one compile; the cache counts compiles so
 * tests can check that a repeated shape compiles once.
 */
import type { CompiledKernel } from './runtime.js';

export class KernelCache {
  private readonly entries = new Map<string, CompiledKernel>();
  /** Kernels compiled so far (cache misses). */
  compiles = 0;
  /** Kernels evicted (and disposed) to stay within `limit`. */
  evictions = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`KernelCache: limit must be at least 1, got ${limit}`);
  }

  /** The kernel for `key`, compiling it with `build` on a miss and evicting the least recently used. */
  get(key: string, build: () => CompiledKernel): CompiledKernel {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert so Map order is recency order (oldest first).
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const kernel = build();
    this.compiles++;
    this.entries.set(key, kernel);
    while (this.entries.size > this.limit) {
      const [oldest, old] = this.entries.entries().next().value as [string, CompiledKernel];
      this.entries.delete(oldest);
      old.dispose();
      this.evictions++;
    }
    return kernel;
  }

  /** The cached kernel for `key`, if any, without touching its recency. */
  peek(key: string): CompiledKernel | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    for (const k of this.entries.values()) k.dispose();
    this.entries.clear();
  }
}
