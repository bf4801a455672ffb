/**
 * onnxruntime-web on the main thread, the way its users run it (issue 11: inside a worker thread it
 * reached only about half of its main-thread speed here). The models are the same as the worker peers'
 * (onnx-model.ts). ORT fixes its thread count at the first session of a process, so one thread count
 * per process: the bench uses 2 (the machine's cores).
 */
import Benchmark from 'benchmark';
import { matmulModel, softmaxModel } from './onnx-model.js';
import type { PeerTask, Timing } from './peers.js';

type Ort = typeof import('onnxruntime-web');

export class MainThreadOrt {
  private session: import('onnxruntime-web').InferenceSession | null = null;
  private feeds: Record<string, import('onnxruntime-web').Tensor> = {};
  private constructor(private readonly ort: Ort, readonly name: string) {}

  static async start(threads: number): Promise<MainThreadOrt> {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    return new MainThreadOrt(ort, `onnxruntime-web ${threads}T (main thread)`);
  }

  async setup(task: PeerTask): Promise<void> {
    let model: Uint8Array;
    if (task.op === 'matmul') {
      const { M, K, N, W } = task;
      const B = new Float32Array(K * N); // ONNX MatMul takes B as [K, N]: Wᵀ, materialised once
      for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) B[k * N + n] = W[n * K + k];
      model = matmulModel(M, K, N, B);
      this.feeds = { x: new this.ort.Tensor('float32', task.x, [M, K]) };
    } else {
      model = softmaxModel(task.rows, task.n);
      this.feeds = { x: new this.ort.Tensor('float32', task.x, [task.rows, task.n]) };
    }
    this.session = await this.ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  }

  async run(): Promise<Float32Array> {
    return Float32Array.from((await this.session!.run(this.feeds)).y.data as Float32Array);
  }

  /** benchmark.js on this thread; a call slower than `slowCall` seconds is timed as the best of two. */
  async bench(maxTime: number, minSamples: number, slowCall: number): Promise<Timing> {
    const once = async () => {
      const t = performance.now();
      await this.session!.run(this.feeds);
      return (performance.now() - t) / 1e3;
    };
    if ((await once()) > slowCall) {
      const times = [await once(), await once()];
      return { mean: (times[0] + times[1]) / 2, best: Math.min(...times), rme: NaN, samples: 2 };
    }
    return new Promise((resolve, reject) => {
      const b = new Benchmark('ort', { defer: true, maxTime, minSamples, initCount: 1, fn: (d: { resolve(): void }) => void this.session!.run(this.feeds).then(() => d.resolve()) });
      b.on('complete', () => resolve({ mean: b.stats.mean, best: Math.min(...b.stats.sample), rme: b.stats.rme, samples: b.stats.sample.length }));
      b.on('error', () => reject(b.error));
      b.run({ async: true });
    });
  }

  async teardown(): Promise<void> {
    await this.session?.release();
    this.session = null;
  }

  async stop(): Promise<void> {}
}
