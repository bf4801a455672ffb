/**
 * What the wasm thread pool needs from its runtime, implemented twice: platform-node.ts (worker_threads,
 * the V8 relaxed-SIMD flag) and platform-web.ts (Web Workers from a Blob URL). `#wasm-platform` (the
 * package.json `imports` field) is platform-web.ts under the `browser` condition (esbuild for the page,
 * dist/browser.js) and platform-node.ts otherwise, so no browser bundle reaches worker_threads.
 */
export interface WorkerHandle {
  terminate(): unknown;
}

/** What a pool worker receives: the compiled kernels, the shared memory and its thread id. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  tid: number;
  names: string[];
}

export interface WasmPlatform {
  readonly name: 'node' | 'web';
  /** Starts one pool worker; `ready` resolves once it waits for work. */
  startWorker(init: WorkerInit): Promise<{ handle: WorkerHandle; ready: Promise<void> }>;
  /** Whether this thread may block in Atomics.wait (Node, a Web Worker: yes; a page's main thread: no). */
  readonly canBlock: boolean;
  /** Why more than one thread cannot run here (no workers, no SharedArrayBuffer), or null. */
  threadsUnavailable(): string | null;
  /** Turns relaxed SIMD on where the runtime keeps it behind a flag (Node 20); absent elsewhere. */
  enableRelaxedSimd?(): Promise<void>;
}
