/**
 * Buffer reuse for hot loops. Inside `tidy(fn)` every typed array the tensor layer allocates is
 * recorded; when `fn` returns, the arrays that back nothing `fn` returned go back to a pool, and
 * later allocations of the same dtype and length take them (zero-filled, unless the caller writes the
 * whole array itself: an op's output) instead of fresh memory.
 * On these machines a fresh 21 MB Float32Array costs ~75 ms of page faults; refilling one ~1 ms.
 *
 * What survives a scope: the storage of the tensors `fn` returns (directly or inside arrays, Maps and
 * object fields), and of tensors passed to `keep(t)` inside it (as tfjs's `tf.keep`; those survive
 * every enclosing scope too). Nothing else created inside may be used after the scope ends. Graphs are
 * not followed: returning a recorded tensor (one a later backward would walk) is an error — run the
 * backward inside the scope, or return `detach()`ed values. If `fn` throws, nothing is released.
 *
 * Scopes hold on to at most MAX_TRACKED_BYTES of arrays in all (the first ones allocated; a scope may
 * raise it, `TidyOptions`); later
 * arrays are left to the garbage collector, so a scope never keeps a large run's dead activations alive
 * (a 7B prefill allocates several times the machine's memory over its layers). Weak references would not
 * do: an object behind a WeakRef stays alive until the current job ends, i.e. for the whole scope.
 */
import type { Backend, Data, DType } from '../kernels/backend.js';
import { TensorError } from './errors.js';
import { Tensor } from './tensor.js';

/** Arrays smaller than this are left to the garbage collector (cheap to allocate). */
const MIN_POOLED = 4096;
const MAX_POOL_BYTES = 256 * 2 ** 20;

const pool = new Map<string, Data[]>();
let pooledBytes = 0;
const MAX_TRACKED_BYTES = 256 * 2 ** 20;
let trackedBytes = 0;
interface Scope {
  arrays: Data[];
  kept: Set<Data>;
  /** Most bytes of arrays tracked while this scope is innermost (MAX_TRACKED_BYTES unless raised). */
  limit: number;
}
let scope: Scope | null = null;

let pooling = true;

/** Turns reuse on or off (for measuring what it saves; on by default). */
export function setBufferPooling(on: boolean): void {
  pooling = on;
  if (!on) pool.clear();
  pooledBytes = 0;
}

/** Counts since the process started (or the last resetArenaStats): for tests and benches. */
export const arenaStats = { fresh: 0, reused: 0, released: 0 };

export function resetArenaStats(): void {
  arenaStats.fresh = arenaStats.reused = arenaStats.released = 0;
}

/** Backends told about every pooled array before it is reused (those that cache per-array copies). */
const forgetting = new Set<{ forget?(data: Data): void }>();

export function forgetOnReuse(backend: { forget?(data: Data): void }): void {
  if (backend.forget) forgetting.add(backend);
}

/** Pool ids: 0 for host arrays, one per backend for the arrays in its memory (Backend.allocate). */
const owners = new WeakMap<Data, number>();
const ids = new WeakMap<Backend, number>();
const backends = new Map<number, Backend>();
const idOf = (b: Backend) => ids.get(b) ?? (ids.set(b, ++lastId), backends.set(lastId, b), lastId);
let lastId = 0;
/** The pool's key for arrays of `owner` (a pool id above), dtype and length. */
const poolKey = (owner: number, dtype: DType, n: number) => `${owner}:${dtype}:${n}`;

/** What arrays allocated without zeros are filled with (null: nothing; tests set NaN, see below). */
let uninitializedFill: number | null = null;

/**
 * For tests: fill every array allocated with `zero` false with `value` (NaN makes an op that reads its
 * output before writing it visible), or stop with null.
 */
export function setUninitializedFill(value: number | null): void {
  uninitializedFill = value;
}

/**
 * An array of n elements, zero-filled unless `zero` is false (an op's output that its kernel writes
 * whole: a pooled array then keeps its old values): a pooled one when available, else fresh — inside a
 * scope, in the memory of `backend` when it offers one (Backend.allocate: the wasm heap, where its
 * kernels work in place), else a host array.
 */
export function alloc(dtype: DType, n: number, backend?: Backend, zero = true): Data {
  const data = allocate(dtype, n, backend, zero);
  if (!zero && uninitializedFill !== null) data.fill(uninitializedFill);
  return data;
}

function allocate(dtype: DType, n: number, backend: Backend | undefined, zero: boolean): Data {
  if (n < MIN_POOLED) return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  // only arrays a scope tracks: they come back to the pool when it ends, while an untracked one would
  // hold the backend's memory until a finalizer runs (after the current job: a whole 7B step)
  const owner = dtype === 'float32' && backend?.allocate && scope && trackedBytes + 4 * n <= scope.limit ? backend : undefined;
  // the backend's own arrays first, else host ones (which every backend takes)
  const reused = (owner && pool.get(poolKey(idOf(owner), dtype, n))?.pop()) || pool.get(poolKey(0, dtype, n))?.pop();
  let data: Data;
  if (reused) {
    for (const b of forgetting) b.forget!(reused);
    if (zero) reused.fill(0);
    pooledBytes -= reused.byteLength;
    arenaStats.reused++;
    data = reused;
  } else {
    const resident = owner && allocateOn(owner, n, zero);
    if (resident) owners.set(resident, idOf(owner!));
    data = resident ?? (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
    arenaStats.fresh++;
  }
  if (scope && trackedBytes + data.byteLength <= scope.limit) { scope.arrays.push(data); trackedBytes += data.byteLength; }
  return data;
}

/**
 * n elements in `backend`'s memory; past its budget, its pooled arrays (of other lengths, idle) are
 * given back to it one by one until there is room: they would otherwise hold the budget while host
 * arrays are taken instead.
 */
function allocateOn(backend: Backend, n: number, zero: boolean): Float32Array | undefined {
  const prefix = `${idOf(backend)}:`; // the owner part of poolKey
  let got = backend.allocate!(n, zero);
  for (const [key, list] of pool) {
    if (got) break;
    if (!key.startsWith(prefix)) continue;
    for (const data of list) backend.free!(data as Float32Array);
    pooledBytes -= list.reduce((sum, data) => sum + data.byteLength, 0);
    pool.delete(key);
    got = backend.allocate!(n, zero);
  }
  return got;
}

/** Inside `tidy`: `t`'s storage is never released by this or any enclosing scope. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  scope?.kept.add(t.data);
  return t;
}

export interface TidyOptions {
  /**
   * Track up to this many bytes instead of MAX_TRACKED_BYTES (the pool then holds as much): for a scope
   * whose arrays stay alive until it ends anyway (a step without recomputation keeps every activation
   * for its backward), so that the next scope reuses all of them instead of fresh pages.
   */
  maxTrackedBytes?: number;
}

/** Runs `fn`; afterwards returns to the pool every array allocated inside that is neither returned nor kept. */
export function tidy<T>(fn: () => T, opts: TidyOptions = {}): T {
  const outer = scope;
  const mine: Scope = { arrays: [], kept: new Set(), limit: opts.maxTrackedBytes ?? outer?.limit ?? MAX_TRACKED_BYTES };
  scope = mine;
  let result: T;
  let returned: Map<unknown, Tensor[]>;
  try {
    result = fn();
    returned = returnedStorage(result);
  } catch (e) {
    for (const data of mine.arrays) trackedBytes -= data.byteLength; throw e; // nothing released, nothing tracked any more
  } finally {
    scope = outer;
  }
  const limit = Math.max(MAX_POOL_BYTES, mine.limit);
  for (const data of mine.arrays) {
    // A survivor (returned) is no longer tracked: the enclosing scope would pin it until it ends, long
    // after it died (a layer's output, consumed by the next layer); it is left to the garbage collector.
    // One in a backend's memory is first moved to a host copy: the garbage collector can free that
    // during the job, where the backend's block would wait for a finalizer (after the job).
    trackedBytes -= data.byteLength;
    const holders = returned.get(data);
    if (mine.kept.has(data)) outer?.kept.add(data); // kept: out of every scope's reach
    else if (!holders) release(data, limit);
    else if (owners.has(data) && holders !== BARE) {
      const copy = (data as Float32Array).slice(); // a host array (slice copies into a fresh, unshared buffer)
      for (const t of holders) (t as { data: Data }).data = copy; // the one place storage is swapped
      release(data, limit);
    }
  }
  return result;
}

/** Back to the pool, or, past its limit, to the backend that owns it (host arrays: the garbage collector). */
function release(data: Data, limit: number): void {
  const owner = owners.get(data);
  if (!pooling || pooledBytes + data.byteLength > limit) {
    if (owner !== undefined) backends.get(owner)!.free!(data as Float32Array);
    return;
  }
  const key = poolKey(owner ?? 0, data instanceof Float64Array ? 'float64' : 'float32', data.length);
  const list = pool.get(key) ?? [];
  list.push(data);
  pool.set(key, list);
  pooledBytes += data.byteLength;
  arenaStats.released++;
}

/**
 * The storage of every tensor in `v` (a tensor, or arrays, Maps and object fields holding them), each with
 * the tensors over it (BARE for a typed array returned as it is: it cannot be swapped); graphs are not walked.
 */
const BARE: Tensor[] = [];
function returnedStorage(v: unknown): Map<unknown, Tensor[]> {
  const out = new Map<unknown, Tensor[]>();
  const seen = new Set<unknown>();
  const stack = [v];
  while (stack.length) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object' || seen.has(x)) continue;
    seen.add(x);
    if (x instanceof Tensor) {
      if (x.node) throw new TensorError('tidy', `the scope returns ${x}, which is recorded for a backward; its graph would not survive the scope (run the backward inside it, or return x.detach())`);
      const holders = out.get(x.data);
      if (holders !== BARE) out.set(x.data, [...(holders ?? []), x]);
    } else if (ArrayBuffer.isView(x)) out.set(x, BARE);
    else if (x instanceof Map) stack.push(...x.keys(), ...x.values());
    else if (Array.isArray(x)) stack.push(...x);
    else stack.push(...Object.values(x));
  }
  return out;
}
