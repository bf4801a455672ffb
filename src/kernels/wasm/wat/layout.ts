/**
 * The fixed low part of the shared linear memory, below the heap. Every byte address in kernel
 * parameters is an absolute address in this memory.
 *
 *   0    control block: Int32 words used by the thread pool (generation, kernel, params, pending, error)
 *   64   64 zero bytes: packing routines point out-of-range rows/columns here with a step of 0,
 *        which pads tiles with zeros without a branch per element (never written)
 *   128  the parameter block of the current dispatch (64 i32 words)
 *   65536 the heap (allocator in heap.ts)
 */
export const CONTROL = 0;
export const ZERO = 64;
export const PARAMS = 128;
export const PARAM_WORDS = 64;
export const HEAP_BASE = 65536;
