/** Buffer reuse: tidy() returns a scope's arrays to the pool; what the scope returns or keep()s survives. */
import { grad } from '../../src/autograd/index.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import type { Data } from '../../src/kernels/backend.js';
import * as T from '../../src/tensor/index.js';

const big = [64, 128]; // 8192 elements: above the pooling threshold

function work(x: T.Tensor) {
  return x.exp().mul(2).add(1).tanh().sum(0); // several big temporaries, a small result
}

describe('tidy', () => {
  it('reuses the arrays of a finished scope instead of allocating fresh ones', () => {
    const x = T.randn(big, { seed: 1 });
    const first = T.tidy(() => work(x).toArray());
    T.resetArenaStats();
    const second = T.tidy(() => work(x).toArray());
    expect(second).toEqual(first);
    expect(T.arenaStats.fresh).toBe(0);
    expect(T.arenaStats.reused).toBeGreaterThanOrEqual(3);
  });

  it('keeps what the scope returns, even when later scopes reuse the pool', () => {
    const x = T.randn(big, { seed: 2 });
    const kept = T.tidy(() => x.exp()); // a big tensor returned from the scope
    const copy = kept.toArray();
    for (let i = 0; i < 3; i++) T.tidy(() => work(x));
    expect(kept.toArray()).toEqual(copy);
  });

  it('keep() lets a tensor the scope does not return survive it (and every enclosing scope)', () => {
    const x = T.randn(big, { seed: 3 });
    let side: T.Tensor | null = null;
    T.tidy(() => T.tidy(() => {
      side = T.keep(x.exp()); // e.g. progress reported through a callback
      return work(x).toArray();
    }));
    const copy = Float32Array.from(x.toTypedArray(), Math.exp);
    for (let i = 0; i < 3; i++) T.tidy(() => work(x)); // churn the pool
    expect(Array.from(side!.toTypedArray())).toEqual(Array.from(copy));
  });

  it('without keep(), an unreturned tensor goes back to the pool', () => {
    const x = T.randn(big, { seed: 3 });
    T.resetArenaStats();
    T.tidy(() => {
      x.exp();
      return 0;
    });
    expect(T.arenaStats.released).toBe(1);
  });

  it('refuses to return a recorded tensor, whose graph would not survive, and says what to do', () => {
    const x = T.randn(big, { seed: 3 }).requireGrad();
    expect(() => T.tidy(() => x.exp().mul(x).sum())).toThrow(/tidy: .*recorded for a backward.*detach\(\)/);
    const reference = grad(x.exp().mul(x).sum(), [x])[0].toArray();
    const g = T.tidy(() => grad(x.exp().mul(x).sum(), [x])[0]); // the backward inside the scope
    T.tidy(() => work(x.detach()));
    expect(g.toArray()).toEqual(reference);
  });

  it('releases nothing when the scope throws', () => {
    const x = T.randn(big, { seed: 4 });
    T.tidy(() => work(x));
    T.resetArenaStats();
    expect(() => T.tidy(() => { work(x); throw new Error('boom'); })).toThrow('boom');
    expect(T.arenaStats.released).toBe(0);
  });

  it('tells a backend that caches per-array copies before an array is reused', () => {
    const forgotten: Data[] = [];
    const caching = { ...cpu, name: 'caching', forget: (d: Data) => void forgotten.push(d) };
    const x = T.randn(big, { seed: 5, backend: caching }); // naming the backend registers it
    T.tidy(() => work(x));
    T.tidy(() => work(x));
    expect(forgotten.length).toBeGreaterThan(0);
  });

  it('holds at most 256 MB of a scope\'s arrays: later ones are left to the garbage collector', () => {
    T.setBufferPooling(false); // start from an empty pool
    T.setBufferPooling(true);
    T.resetArenaStats();
    const n = 2 ** 21; // 8 MiB of float32 each
    T.tidy(() => {
      for (let i = 0; i < 40; i++) T.zeros([n]); // 320 MiB allocated, none returned
      return null;
    });
    expect(T.arenaStats.fresh).toBe(40);
    expect(T.arenaStats.released).toBe(32); // the first 256 MiB went back to the pool, the rest was never held
    T.setBufferPooling(false);
    T.setBufferPooling(true);
  });

  it('a survivor of an inner scope is no longer tracked: the outer scope does not pin it until it ends', () => {
    T.setBufferPooling(false);
    T.setBufferPooling(true);
    T.resetArenaStats();
    let last: T.Tensor | null = null;
    T.tidy(() => {
      // as a decoder's layers run: each layer's temporaries are pooled, its output feeds the next one
      for (let i = 0; i < 3; i++) last = T.tidy(() => T.zeros(big).add(i + 1).mul(2));
      return null;
    });
    expect(T.arenaStats.released).toBe(6); // the zeros and the add of each inner scope; never the survivors
    expect(last!.toTypedArray()[0]).toBe(6);
    T.setBufferPooling(false);
    T.setBufferPooling(true);
  });

  it('tracks (and pools) as much as a scope asks for with maxTrackedBytes, inner scopes included', () => {
    T.setBufferPooling(false);
    T.setBufferPooling(true);
    T.resetArenaStats();
    const n = 2 ** 21; // 8 MiB of float32 each
    T.tidy(() => {
      T.tidy(() => { for (let i = 0; i < 20; i++) T.zeros([n]); return null; }); // inherits the limit
      for (let i = 0; i < 20; i++) T.zeros([n]);
      return null;
    }, { maxTrackedBytes: 400 * 2 ** 20 });
    expect(T.arenaStats.released).toBe(40); // all 320 MiB went back to the pool
    T.tidy(() => { for (let i = 0; i < 40; i++) T.zeros([n]); return null; }, { maxTrackedBytes: 400 * 2 ** 20 });
    expect(T.arenaStats.reused).toBe(40); // and the next scope took them instead of fresh arrays
    T.setBufferPooling(false);
    T.setBufferPooling(true);
  });
});
