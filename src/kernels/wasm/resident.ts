/**
 * Half-precision weights owned by the wasm backend: a frozen F16/BF16 weight's bits are copied once
 * into wasm memory when the model is built (`Backend.adoptHalf`), and the matmuls then read them in
 * place instead of copying the bits in on every call (matmul.ts). The caller drops its own array, so
 * the weight is still held once.
 *
 * Only while the adopted bytes stay within a budget: a 7B's 14 GB cannot live in one 4 GiB wasm32
 * memory, so its first ~budget of weights are resident and the rest stay host arrays that matmul.ts
 * streams through wasm memory block by block. Only a shared memory can hand out views: growing an
 * unshared memory detaches every view of it. A block is released when its view is garbage-collected.
 */
import type { Heap } from './heap.js';

export class ResidentHalves {
  private readonly address = new WeakMap<Uint16Array, number>();
  private readonly finalizer = new FinalizationRegistry<{ at: number; bytes: number }>(({ at, bytes }) => {
    this.heap.release(at);
    this.total -= bytes;
  });
  private total = 0;

  constructor(
    private readonly heap: Heap,
    private readonly shared: boolean,
    readonly budgetBytes: number,
  ) {}

  /** Bytes of wasm memory held by adopted weights. */
  get bytes(): number {
    return this.total;
  }

  /** A view of `bits` copied into wasm memory, or `bits` itself when it cannot be held (see above). */
  adopt(bits: Uint16Array): Uint16Array {
    if (this.address.has(bits)) return bits;
    const bytes = bits.byteLength;
    if (!this.shared || bytes === 0 || this.total + bytes > this.budgetBytes) return bits;
    const at = this.heap.alloc(bytes);
    const view = new Uint16Array(this.heap.memory.buffer, at, bits.length);
    view.set(bits);
    this.address.set(view, at);
    this.finalizer.register(view, { at, bytes });
    this.total += bytes;
    return view;
  }

  /** The byte address of an adopted array in wasm memory, or undefined for any other array. */
  at(bits: Uint16Array): number | undefined {
    return this.address.get(bits);
  }
}
