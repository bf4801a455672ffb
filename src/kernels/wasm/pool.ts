/**
 * Threads over one shared wasm memory. Each worker instantiates the same compiled module on the
 * same memory; the main thread is thread 0 and runs its share of every dispatch itself (measured
 * slightly faster than leaving it idle). A dispatch writes the kernel index and the parameter
 * address into the control block, bumps the generation and notifies; workers run their share and
 * count down `pending`; the main thread, after its own share, waits for zero.
 *
 * The workers come from `#wasm-platform` (worker_threads in Node, Web Workers in a browser; see
 * platform.ts); `dispose()` stops them.
 */
import { platform } from '#wasm-platform';
import type { WorkerHandle } from './platform.js';
import { CONTROL } from './wat/layout.js';
import { kernelNames, type KernelName } from './wat/module.js';
import { WORK_COUNTER } from './wat/util.js';

const GEN = 0, KERNEL = 1, PARAMS = 2, PENDING = 3, NTH = 4, ERROR = 5;

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: Array<(tid: number, nth: number, p: number) => void>;
  private disposed = false;

  private constructor(
    readonly threads: number,
    memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    private readonly workers: WorkerHandle[],
  ) {
    this.ctl = new Int32Array(memory.buffer, CONTROL, 16);
    this.memory = memory;
    this.kernels = kernelNames.map((n) => instance.exports[n] as (tid: number, nth: number, p: number) => void);
  }

  /** Instantiates the module here and starts `threads − 1` workers, resolving when all are ready. */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<ThreadPool> {
    if (threads > 1) {
      const why = platform.threadsUnavailable();
      if (why) throw new Error(`wasm backend: ${threads} threads cannot run here: ${why}`);
    }
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const workers: WorkerHandle[] = [];
    const starts: Promise<void>[] = [];
    for (let tid = 1; tid < threads; tid++) {
      const init = { module, memory, control: CONTROL, tid, names: [...kernelNames] };
      const { handle, ready } = await platform.startWorker(init);
      workers.push(handle);
      starts.push(ready);
    }
    await Promise.all(starts);
    return new ThreadPool(threads, memory, instance, workers);
  }

  /**
   * Runs `kernel(tid, nth, params)` on `nth` threads (main thread included) and returns when all
   * are done. nth = 1 runs on the main thread only, without waking anyone. The work counter (last
   * word of the parameter block) is zeroed first.
   */
  run(kernel: KernelName, params: number, nth = this.threads): void {
    if (this.disposed) throw new Error('wasm backend: used after dispose()');
    new Int32Array(this.memory.buffer, params + 4 * WORK_COUNTER, 1)[0] = 0;
    const k = kernelNames.indexOf(kernel);
    const n = Math.max(1, Math.min(nth, this.threads));
    if (n === 1 || this.workers.length === 0) {
      this.kernels[k](0, 1, params);
      return;
    }
    const ctl = this.ctl;
    ctl[KERNEL] = k;
    ctl[PARAMS] = params;
    ctl[NTH] = n;
    ctl[ERROR] = 0;
    Atomics.store(ctl, PENDING, this.workers.length);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    this.kernels[k](0, n, params);
    for (let v = Atomics.load(ctl, PENDING), spins = 0; v !== 0; v = Atomics.load(ctl, PENDING)) {
      if (++spins < 2000) continue; // the workers usually finish within a few µs of us
      if (platform.canBlock) Atomics.wait(ctl, PENDING, v, 1000);
    }
    if (ctl[ERROR]) throw new Error(`wasm backend: kernel '${kernel}' failed in a worker thread (see the console)`);
  }

  /** Stops the workers; the pool (and its backend) can no longer be used. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length === 0) return; // (an unshared memory may have grown: ctl is then detached)
    Atomics.store(this.ctl, KERNEL, -1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
  }
}
