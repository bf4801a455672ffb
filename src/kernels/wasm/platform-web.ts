/**
 * The wasm pool in a browser: each thread is a Web Worker started from a Blob URL (no worker file to
 * locate), sharing the module's memory over SharedArrayBuffer. That needs a cross-origin isolated page:
 * the host must send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 * require-corp` (or `credentialless`); without them `threadsUnavailable()` says so and one thread runs.
 */
import type { WasmPlatform } from './platform.js';
import { browserWorkerSource } from './worker-source.js';

const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown };

export const platform: WasmPlatform = {
  name: 'web',
  // Atomics.wait is allowed in a Web Worker, forbidden on a page's main thread (there the pool spins).
  canBlock: typeof g.WorkerGlobalScope !== 'undefined',
  threadsUnavailable() {
    if (typeof Worker === 'undefined') return 'this context cannot start Web Workers';
    if (typeof SharedArrayBuffer === 'undefined' || g.crossOriginIsolated === false) {
      return 'the page is not cross-origin isolated (the host must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so there is no SharedArrayBuffer';
    }
    return null;
  },
  async startWorker(init) {
    const url = URL.createObjectURL(new Blob([browserWorkerSource], { type: 'text/javascript' }));
    const w = new Worker(url);
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve();
      };
      w.onerror = (e) => reject(new Error(`wasm worker failed to start: ${e.message}`));
    });
    w.postMessage(init);
    return { handle: w, ready };
  },
};
