/**
 * The peers, each in its own worker thread so that its runtime is loaded once and its timing loop
 * (benchmark.js) runs next to it without message round-trips inside the measurement:
 *   - onnxruntime-web (wasm, SIMD), one worker per thread count; models built in-process
 *     (onnx-model.ts), outputs allocated by ORT;
 *   - @tensorflow/tfjs-backend-wasm, single-threaded (its multi-threaded build fails in Node).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { matmulModel, softmaxModel } from './onnx-model.js';

export type PeerTask =
  | { op: 'matmul'; M: number; K: number; N: number; /** [N, K] (Linear layout) */ W: Float32Array; x: Float32Array }
  | { op: 'softmax'; rows: number; n: number; x: Float32Array };

export interface Timing {
  /** mean seconds per call */
  mean: number;
  /** the fastest sample, seconds per call */
  best: number;
  /** relative margin of error, % */
  rme: number;
  samples: number;
}

const require = createRequire(import.meta.url);

/** Runs inside the worker: `setup` a task, `run` it once (output back), `bench` it, `teardown`. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Benchmark = require(workerData.benchmark);
let peer = null;
let run = null;

async function ortPeer() {
  const ort = await import(workerData.ortUrl);
  ort.env.wasm.numThreads = workerData.threads;
  let session = null, feeds = null;
  return {
    name: 'onnxruntime-web ' + workerData.threads + 'T',
    async setup(t) {
      session = await ort.InferenceSession.create(t.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      feeds = { x: new ort.Tensor('float32', t.x, t.xShape) };
      return async () => (await session.run(feeds)).y.data;
    },
    async teardown() { if (session) await session.release(); session = null; },
  };
}

async function tfjsPeer() {
  const tf = require(workerData.tfjsCore);
  const wasm = require(workerData.tfjsWasm);
  wasm.setWasmPaths(workerData.tfjsWasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  let held = [];
  return {
    name: 'tfjs-backend-wasm 1T',
    async setup(t) {
      const x = tf.tensor(t.x, t.xShape);
      held.push(x);
      if (t.op === 'matmul') {
        const w = tf.tensor(t.W, [t.N, t.K]);
        held.push(w);
        return async () => { const y = tf.matMul(x, w, false, true); const d = y.dataSync(); y.dispose(); return d; };
      }
      return async () => { const y = tf.softmax(x); const d = y.dataSync(); y.dispose(); return d; };
    },
    async teardown() { held.forEach((t) => t.dispose()); held = []; },
  };
}

async function timeOne() {
  const t = performance.now();
  await run();
  return (performance.now() - t) / 1e3;
}

parentPort.on('message', async (m) => {
  try {
    if (m.type === 'init') {
      peer = workerData.kind === 'ort' ? await ortPeer() : await tfjsPeer();
      parentPort.postMessage({ ok: true, name: peer.name });
    } else if (m.type === 'setup') {
      run = await peer.setup(m.task);
      parentPort.postMessage({ ok: true });
    } else if (m.type === 'run') {
      const y = await run();
      parentPort.postMessage({ ok: true, y: Float32Array.from(y) });
    } else if (m.type === 'bench' && m.slowCall && (await timeOne()) > m.slowCall) {
      const times = [await timeOne(), await timeOne()];
      parentPort.postMessage({ ok: true, timing: { mean: (times[0] + times[1]) / 2, best: Math.min(...times), rme: NaN, samples: 2 } });
    } else if (m.type === 'bench') {
      const bench = new Benchmark('peer', {
        defer: true, maxTime: m.maxTime, minSamples: m.minSamples, initCount: 1,
        fn: (d) => run().then(() => d.resolve()),
      });
      bench.on('complete', () => parentPort.postMessage({ ok: true, timing: { mean: bench.stats.mean, best: Math.min(...bench.stats.sample), rme: bench.stats.rme, samples: bench.stats.sample.length } }));
      bench.on('error', () => parentPort.postMessage({ ok: false, error: String(bench.error) }));
      bench.run({ async: true });
    } else if (m.type === 'teardown') {
      await peer.teardown();
      run = null;
      parentPort.postMessage({ ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e && e.stack || e) });
  }
});
`;

/** A peer runtime living in a worker thread, driven by promise-returning calls. */
export class Peer {
  private constructor(private readonly worker: Worker, readonly name: string) {}

  static async start(kind: 'ort' | 'tfjs', threads = 1): Promise<Peer> {
    const tfjsWasmMain = require.resolve('@tensorflow/tfjs-backend-wasm');
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        kind,
        threads,
        benchmark: require.resolve('benchmark'),
        ortUrl: pathToFileURL(require.resolve('onnxruntime-web')).href,
        tfjsCore: require.resolve('@tensorflow/tfjs-core'),
        tfjsWasm: tfjsWasmMain,
        tfjsWasmDir: path.join(path.dirname(tfjsWasmMain), path.sep),
      },
    });
    worker.unref();
    const first = new Peer(worker, '');
    const { name } = await first.call({ type: 'init' });
    return new Peer(worker, name);
  }

  private call(message: object, transfer: ArrayBuffer[] = []): Promise<any> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: any) => {
        this.worker.off('error', onError);
        if (m.ok) resolve(m);
        else reject(new Error(`${this.name || 'peer'}: ${m.error}`));
      };
      const onError = (e: Error) => {
        this.worker.off('message', onMessage);
        reject(e);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(message, transfer);
    });
  }

  /** Prepares a task (ORT: builds the model and its session; tfjs: uploads the tensors). */
  async setup(task: PeerTask): Promise<void> {
    if (task.op === 'matmul') {
      const { M, K, N, W, x } = task;
      let model: Uint8Array | undefined;
      if (this.name.startsWith('onnx')) {
        const B = new Float32Array(K * N); // ONNX MatMul takes B as [K, N]: Wᵀ, materialised once
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) B[k * N + n] = W[n * K + k];
        model = matmulModel(M, K, N, B);
      }
      await this.call({ type: 'setup', task: { op: 'matmul', M, K, N, W: model ? undefined : W, x, xShape: [M, K], model } }, model ? [model.buffer as ArrayBuffer] : []);
    } else {
      const model = this.name.startsWith('onnx') ? softmaxModel(task.rows, task.n) : undefined;
      await this.call({ type: 'setup', task: { op: 'softmax', x: task.x, xShape: [task.rows, task.n], model } }, model ? [model.buffer as ArrayBuffer] : []);
    }
  }

  async run(): Promise<Float32Array> {
    return (await this.call({ type: 'run' })).y;
  }

  /** benchmark.js in the worker; a call slower than `slowCall` seconds is timed as the best of two. */
  async bench(maxTime: number, minSamples: number, slowCall: number): Promise<Timing> {
    return (await this.call({ type: 'bench', maxTime, minSamples, slowCall })).timing;
  }

  async teardown(): Promise<void> {
    await this.call({ type: 'teardown' });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
