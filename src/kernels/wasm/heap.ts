/**
 * The allocator over the shared wasm memory: first-fit over an address-sorted free list, blocks
 * aligned to 64 bytes, neighbours coalesced on free, and the memory grown (never shrunk) when no
 * free block fits. It hands out two kinds of space:
 *   - long-lived blocks (the weight cache, weights.ts), freed on eviction;
 *   - named scratch slots (`scratch(name, bytes)`), reused across calls and only reallocated when a
 *     call needs more than the slot holds, so hot paths do not allocate.
 * Typed-array views of the memory are cached and refreshed after growth.
 */
import { HEAP_BASE } from './wat/layout.js';
import { MAX_PAGES } from './wat/module.js';

const ALIGN = 64;
const PAGE = 65536;
/** n rounded up to a multiple of m. */
export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

export class Heap {
  private free: Array<{ at: number; size: number }> = [];
  private sizes = new Map<number, number>();
  private top = HEAP_BASE;
  private slots = new Map<string, { at: number; size: number }>();
  /** Views handed out over blocks of this memory (resident.ts), by their byte address. */
  private readonly views = new WeakMap<ArrayBufferView, number>();
  private f32View = new Float32Array(0);
  private u16View = new Uint16Array(0);
  private i32View = new Int32Array(0);

  constructor(readonly memory: WebAssembly.Memory) {}

  /** Bytes currently handed out (excluding free space). */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    const i = this.free.findIndex((b) => b.size >= size);
    let at: number;
    if (i >= 0) {
      const b = this.free[i];
      at = b.at;
      if (b.size === size) this.free.splice(i, 1);
      else this.free[i] = { at: b.at + size, size: b.size - size };
    } else {
      at = this.top;
      // a free block touching the top is extended instead of leaving a hole
      const last = this.free[this.free.length - 1];
      if (last && last.at + last.size === this.top) {
        at = last.at;
        this.free.pop();
      }
      const end = at + size;
      const pages = Math.ceil(end / PAGE);
      if (pages > MAX_PAGES) {
        if (at !== this.top) this.free.push({ at, size: this.top - at });
        throw new RangeError(`wasm heap: ${(size / 2 ** 20).toFixed(1)} MiB more does not fit in the 4 GiB wasm32 memory (${(this.used / 2 ** 20).toFixed(1)} MiB in use)`);
      }
      const have = this.memory.buffer.byteLength / PAGE;
      if (pages > have) this.memory.grow(pages - have);
      this.top = end;
    }
    this.sizes.set(at, size);
    return at;
  }

  /** Records that `view` covers the block at `at`, for `addressOf`. */
  handOut(view: ArrayBufferView, at: number): void {
    this.views.set(view, at);
  }

  /** The byte address of an array that lives in this memory (handed out above), else undefined. */
  addressOf(data: ArrayBufferView): number | undefined {
    return this.views.get(data);
  }

  /** Forgets a view handed out above (its block is being freed) and returns its address, else undefined. */
  takeBack(view: ArrayBufferView): number | undefined {
    const at = this.views.get(view);
    this.views.delete(view);
    return at;
  }

  /** Whether `bytes` can be allocated without passing the 4 GiB wasm32 limit. */
  fits(bytes: number): boolean {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    return this.free.some((b) => b.size >= size) || Math.ceil((this.top + size) / PAGE) <= MAX_PAGES;
  }

  release(at: number): void {
    const size = this.sizes.get(at);
    if (size === undefined) throw new Error(`wasm heap: release of unknown block ${at}`);
    this.sizes.delete(at);
    let i = this.free.findIndex((b) => b.at > at);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { at, size });
    // coalesce with the next, then the previous block
    const next = this.free[i + 1];
    if (next && at + size === next.at) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.at + prev.size === at) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** A reusable block for `name` of at least `bytes`; contents are not preserved when it grows. */
  scratch(name: string, bytes: number): number {
    const slot = this.slots.get(name);
    if (slot && slot.size >= bytes) return slot.at;
    if (slot) this.release(slot.at);
    const size = roundUp(Math.ceil(bytes * 1.25), ALIGN);
    const at = this.alloc(size);
    this.slots.set(name, { at, size });
    return at;
  }

  private refresh(): void {
    // the memory only grows, so an unchanged length means the cached views still cover it
    const buf = this.memory.buffer;
    if (this.f32View.byteLength === buf.byteLength) return;
    this.f32View = new Float32Array(buf);
    this.u16View = new Uint16Array(buf);
    this.i32View = new Int32Array(buf);
  }
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }
  get u16(): Uint16Array {
    this.refresh();
    return this.u16View;
  }
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }
}

/**
 * Where a kernel finds elements [i, i + count) of `data`: in place when it lives in wasm memory
 * (resident.ts), else in the scratch slot `name`, copied in by `load` / out by `store` (chunk by chunk).
 */
export function operand(heap: Heap, data: Float32Array, name: string, slotBytes: number, inPlace = true) {
  const resident = inPlace ? heap.addressOf(data) : undefined;
  const slot = resident === undefined ? heap.scratch(name, slotBytes) : 0;
  return {
    at: (i: number) => (resident === undefined ? slot : resident + 4 * i),
    load(i: number, count: number): number {
      if (resident !== undefined) return resident + 4 * i;
      heap.f32.set(data.subarray(i, i + count), slot / 4);
      return slot;
    },
    store(i: number, count: number): void {
      if (resident === undefined) data.set(heap.f32.subarray(slot / 4, slot / 4 + count), i);
    },
  };
}
