/**
 * Arrays that live in wasm memory, so that the kernels read and write them in place instead of copying
 * them in and out on every call (matmul.ts, softmax.ts, gated.ts look their address up with `heap.addressOf`):
 *   - frozen F16/BF16 weights, copied in once when the model is built (`Backend.adoptHalf`; the caller
 *     drops its own array, so the weight is still held once);
 *   - float32 tensor storage (`Backend.allocate`: activations, gradients), handed out by the tensor
 *     layer's allocator (tensor/arena.ts) instead of a host array.
 *
 * Only while each kind stays within its budget: a 7B's 14 GB cannot live in one 4 GiB wasm32 memory, so
 * its first ~budget of weights are resident and the rest stay host arrays that matmul.ts streams
 * through wasm memory block by block; past the array budget, storage is a host array, which every
 * kernel still takes (copied in and out). Only a shared memory can hand out views: growing an unshared
 * one detaches every view of it. A block is released by `free` (tensor/arena.ts, when a tidy scope's
 * array is known dead and its pool is full), else when its view is garbage-collected: a finalizer, which
 * only runs after the current job, so the allocator never lets an array escape its scopes.
 */
import type { Heap } from './heap.js';

export class Resident {
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

  /** Bytes of wasm memory held by this kind's arrays. */
  get bytes(): number {
    return this.total;
  }

  /** A view of `bits` copied into wasm memory, or `bits` itself when it cannot be held (see above). */
  adopt(bits: Uint16Array): Uint16Array {
    if (this.heap.addressOf(bits) !== undefined) return bits;
    const view = this.place(bits.byteLength, (buf, at) => new Uint16Array(buf, at, bits.length));
    view?.set(bits);
    return view ?? bits;
  }

  /** n zeros (or, with zero false, whatever the block held) in wasm memory, or undefined past the budget (or where views cannot be handed out). */
  allocate(n: number, zero = true): Float32Array | undefined {
    return this.place(4 * n, (buf, at) => (zero ? new Float32Array(buf, at, n).fill(0) : new Float32Array(buf, at, n)));
  }

  /** Gives the block of an array from `allocate` back to the heap now (nothing may use `view` afterwards). */
  free(view: Float32Array): void {
    const at = this.heap.takeBack(view);
    if (at === undefined || !this.finalizer.unregister(view)) throw new Error('wasm backend: free() of an array it did not allocate');
    this.heap.release(at);
    this.total -= view.byteLength;
  }

  private place<T extends ArrayBufferView>(bytes: number, view: (buf: ArrayBufferLike, at: number) => T): T | undefined {
    if (!this.shared || bytes === 0 || this.total + bytes > this.budgetBytes || !this.heap.fits(bytes)) return undefined;
    const at = this.heap.alloc(bytes);
    const v = view(this.heap.memory.buffer, at);
    this.heap.handOut(v, at);
    this.finalizer.register(v, { at, bytes }, v); // v is also its unregister token (free)
    this.total += bytes;
    return v;
  }
}
