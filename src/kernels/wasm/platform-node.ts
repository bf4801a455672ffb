/** The wasm pool on Node: worker_threads (unref'd, so they never keep Node alive) and the V8 flag for relaxed SIMD. */
import { Worker } from 'node:worker_threads';
import type { WasmPlatform } from './platform.js';
import { nodeWorkerSource } from './worker-source.js';

export const platform: WasmPlatform = {
  name: 'node',
  canBlock: true,
  threadsUnavailable: () => null,
  async startWorker(init) {
    const w = new Worker(nodeWorkerSource, { eval: true, workerData: init });
    w.unref();
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', (e) => reject(new Error(`wasm worker failed to start: ${e.message}`)));
    });
    return { handle: w, ready };
  },
  async enableRelaxedSimd() {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  },
};
