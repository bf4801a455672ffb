/**
 * Which backend the page's worker runs, said out loud (never a silent fallback):
 *   wasm     the WebAssembly SIMD kernels; threads on Web Workers over SharedArrayBuffer when the page
 *            is cross-origin isolated, else one thread with the reason;
 *   webgl2   GPU.js WebGL2 kernels (needs an OffscreenCanvas WebGL2 context in the worker);
 *   cpu      the reference backend;
 *   auto     every backend that can start here and matches the reference on a test matmul, timed on a
 *            short probe (a 16×512×512 matmul + softmax, fastest of 5); the fastest wins, and the
 *            reason lists the times.
 */
import {
  cpu, createGpuJsBackend, createWasmBackend, fromArray, gpuJsSupport, matmul, softmax,
  type Backend, type WasmBackend,
} from '../../src/index.js';

export type BackendChoice = 'auto' | 'wasm' | 'webgl2' | 'cpu';

export interface ChosenBackend {
  backend: Backend;
  label: string;
  reason: string;
  /** wasm: threads in use, and why not more. */
  threads?: number;
}

interface Candidate {
  backend: Backend;
  label: string;
  detail: string;
}

const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };

/** `threads`: asked for (URL ?threads=N), else min(4, cores) when isolated. */
async function wasmCandidate(threads?: number): Promise<Candidate> {
  const cores = g.navigator?.hardwareConcurrency ?? 1;
  let n = threads ?? Math.min(4, cores);
  let why = threads ? `${n} threads (asked for)` : `${n} threads (${cores} cores)`;
  if (g.crossOriginIsolated !== true) {
    n = 1;
    why = 'one thread: the page is not cross-origin isolated (the host must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so there is no SharedArrayBuffer for more';
  } else if (n < 2) why = `one thread (${cores} core${cores === 1 ? '' : 's'} reported)`;
  const backend = await createWasmBackend({ threads: n });
  const features = `SIMD${backend.info.relaxed ? ' + relaxed FMA' : ''}`;
  return { backend, label: `WebAssembly ${features} · ${n} thread${n === 1 ? '' : 's'}`, detail: why };
}

function gpuCandidate(): Candidate {
  const support = gpuJsSupport();
  if (!support.webgl2) throw new Error('GPU.js reports no WebGL2 in this worker (no OffscreenCanvas WebGL2 context)');
  // GPU.js calls every GL kernel mode 'gpu', so the backend is named gpujs:gpu; the label says which GL.
  return { backend: createGpuJsBackend({ mode: 'webgl2' }), label: 'GPU.js WebGL2', detail: `on ${glRenderer()}` };
}

const cpuCandidate = (): Candidate => ({ backend: cpu, label: 'reference CPU', detail: 'plain TypeScript kernels' });

/** The WebGL2 renderer string ('ANGLE (…SwiftShader…)', a GPU name), for the backend report. */
function glRenderer(): string {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'an unknown renderer';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return 'an unknown renderer';
  }
}

/** A 17×33 @ 33×9 matmul on `b` must match the reference to 1e-4 (relative), or the backend is refused. */
function verify(c: Candidate): void {
  const a = Float32Array.from({ length: 17 * 33 }, (_, i) => Math.sin(i));
  const w = Float32Array.from({ length: 33 * 9 }, (_, i) => Math.cos(i * 0.7));
  const run = (backend: Backend) => matmul(fromArray(a, [17, 33], { backend }), fromArray(w, [33, 9], { backend })).toArray();
  const got = run(c.backend);
  const want = run(cpu);
  const err = Math.max(...got.map((v, i) => Math.abs(v - want[i]) / (1 + Math.abs(want[i]))));
  if (!(err < 1e-4)) throw new Error(`${c.label} matmul differs from the reference by ${err.toExponential(2)}`);
}

/**
 * Fastest of 5 runs (after one warm-up) of a 16×512 @ 512×512 matmul + row softmax: the minimum, since
 * on a busy machine the other runs measure the neighbours as much as the backend.
 */
function probe(backend: Backend): number {
  const x = fromArray(Float32Array.from({ length: 16 * 512 }, (_, i) => Math.sin(i * 0.3)), [16, 512], { backend });
  const w = fromArray(Float32Array.from({ length: 512 * 512 }, (_, i) => Math.cos(i * 0.01)), [512, 512], { backend });
  let best = Infinity;
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    softmax(matmul(x, w), -1).toArray();
    if (r > 0) best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const dispose = (b: Backend) => (b as Partial<WasmBackend>).dispose?.();

/** Builds the backend for `choice`; throws when a named backend cannot run. */
export async function chooseBackend(choice: BackendChoice, threads?: number): Promise<ChosenBackend> {
  const describe = (c: Candidate, how: string): ChosenBackend => ({
    backend: c.backend,
    label: c.label,
    reason: `${c.label}: ${c.detail} (${how})`,
    threads: (c.backend as Partial<WasmBackend>).info?.threads,
  });
  if (choice !== 'auto') {
    const make = { wasm: () => wasmCandidate(threads), webgl2: async () => gpuCandidate(), cpu: async () => cpuCandidate() }[choice];
    let c: Candidate;
    try {
      c = await make();
      if (choice !== 'cpu') verify(c);
    } catch (e) {
      throw new Error(`backend ${choice} was asked for but cannot run: ${(e as Error).message}`);
    }
    return describe(c, 'chosen on the page');
  }
  const refused: string[] = [];
  const timed: Array<{ c: Candidate; ms: number }> = [];
  for (const [name, make] of [['wasm', () => wasmCandidate(threads)], ['GPU.js WebGL2', async () => gpuCandidate()], ['reference', async () => cpuCandidate()]] as const) {
    try {
      const c = await make();
      if (c.backend !== cpu) verify(c);
      timed.push({ c, ms: probe(c.backend) });
    } catch (e) {
      refused.push(`${name} refused: ${(e as Error).message}`);
    }
  }
  timed.sort((p, q) => p.ms - q.ms);
  for (const t of timed.slice(1)) dispose(t.c.backend);
  const times = timed.map((t) => `${t.c.label} ${t.ms.toFixed(2)} ms`).join(', ');
  return describe(timed[0].c, `auto: fastest on a short probe — ${times}${refused.length ? `; ${refused.join('; ')}` : ''}`);
}
