/**
 * The model worker: loads a Session, picks the backend (said out loud, never silently), and runs
 * askAboutRegion, posting a message per phase, per optimisation step and per generated token so the
 * page stays responsive and shows progress. All model work happens here, off the page's thread.
 */
import {
  askAboutRegion, cpu, createGpuJsBackend, fetchFiles, fileListFiles, fromArray, gpuJsSupport, heatmapPair,
  loadSessionFromFiles, matmul, onBackendLog, parameterSpecs, setBackend,
  type Backend, type FileReader, type Session,
} from '../../src/index.js';
import { listFolder } from './listing.js';
import { askOptions, type AskRequest, type BackendChoice, type DemoResult, type FromWorker, type ModelSource, type ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

let session: Session | null = null;
let backendName = 'cpu';

/**
 * The backend for `choice`. `auto` takes GPU.js WebGL2 when this worker can create a WebGL2 context and a
 * small matmul agrees with the reference; otherwise the reference backend, with the reason reported.
 */
function chooseBackend(choice: BackendChoice): { backend: Backend; label: string; reason: string } {
  if (choice === 'cpu') return { backend: cpu, label: 'reference CPU', reason: 'reference backend (chosen on the page)' };
  let why: string;
  try {
    const support = gpuJsSupport();
    if (!support.webgl2) throw new Error('GPU.js reports no WebGL2 in this worker (no OffscreenCanvas WebGL2 context)');
    // Requesting mode 'webgl2' gives GPU.js's WebGL2 kernels or an error. (GPU.js calls every GL kernel
    // mode 'gpu', so the backend is named gpujs:gpu; the label says which GL it is.)
    const gpu = createGpuJsBackend({ mode: 'webgl2' });
    checkAgainstReference(gpu);
    const how = choice === 'auto' ? 'auto: the browser has WebGL2 and a test matmul matched the reference' : 'chosen on the page';
    return { backend: gpu, label: 'GPU.js WebGL2', reason: `GPU.js WebGL2 kernels for matmul and softmax on ${glRenderer()} (${how})` };
  } catch (e) {
    why = (e as Error).message;
    if (choice === 'webgl2') throw new Error(`GPU.js WebGL2 was asked for but cannot run: ${why}`);
  }
  return { backend: cpu, label: 'reference CPU', reason: `reference backend (auto: WebGL2 unavailable — ${why})` };
}

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

/** A 17×33 @ 33×9 matmul on `gpu` must match the reference to 1e-4 (relative), or the backend is refused. */
function checkAgainstReference(gpu: Backend): void {
  const a = Float32Array.from({ length: 17 * 33 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 33 * 9 }, (_, i) => Math.cos(i * 0.7));
  const g = matmul(fromArray(a, [17, 33], { backend: gpu }), fromArray(b, [33, 9], { backend: gpu })).toArray();
  const c = matmul(fromArray(a, [17, 33], { backend: cpu }), fromArray(b, [33, 9], { backend: cpu })).toArray();
  const err = Math.max(...g.map((v, i) => Math.abs(v - c[i]) / (1 + Math.abs(c[i]))));
  if (!(err < 1e-4)) throw new Error(`GPU.js WebGL2 matmul differs from the reference by ${err.toExponential(2)}`);
}

/** Keeps the small files (json, tokenizer) after the first read; weights are read once and not kept. */
function memo(read: FileReader): FileReader {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  return (name) => {
    if (name.endsWith('.safetensors')) return read(name);
    if (!cache.has(name)) cache.set(name, read(name));
    return cache.get(name)!;
  };
}

async function load(source: ModelSource, choice: BackendChoice): Promise<void> {
  const t0 = performance.now();
  session = null;
  onBackendLog((m) => post({ type: 'progress', message: m }));
  const { backend, label, reason } = chooseBackend(choice);
  setBackend(backend);
  backendName = backend.name;
  post({ type: 'backend', name: backend.name, label, reason });

  let read: FileReader;
  if (source.kind === 'url') {
    const listing = await listFolder(source.base);
    if (listing !== null && !listing.includes('config.json')) throw new Error(`${source.label}: no config.json at ${source.base}`);
    read = memo(fetchFiles(source.base, { listing: listing ?? undefined }));
  } else {
    read = memo(fileListFiles(source.files));
  }
  let tiktokenWasm: ArrayBuffer | undefined;
  if ((await read('tokenizer.json')) === undefined && (await read('tokenizer.model')) !== undefined) {
    post({ type: 'progress', message: 'fetching tiktoken WebAssembly (tokenizer.model without tokenizer.json)' });
    tiktokenWasm = await (await fetch(new URL('./tiktoken_bg.wasm', import.meta.url))).arrayBuffer();
  }
  const s = await loadSessionFromFiles(read, {
    name: source.label,
    tiktokenWasm,
    onProgress: (message) => post({ type: 'progress', message }),
  });
  const cfg = s.model.config;
  const parameters = parameterSpecs(cfg).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  session = s;
  post({
    type: 'loaded',
    info: {
      name: source.label,
      imageSize: cfg.vision_config.image_size,
      grid: cfg.vision_config.image_size / cfg.vision_config.patch_size,
      layers: cfg.text_config.num_hidden_layers,
      hidden: cfg.text_config.hidden_size,
      vocab: cfg.text_config.vocab_size,
      parameters,
      seconds: (performance.now() - t0) / 1000,
    },
  });
}

async function ask(id: number, req: AskRequest): Promise<void> {
  if (!session) throw new Error('no model is loaded');
  const seen = new Set<string>();
  const phase = (p: 'encode' | 'baseline' | 'optimize' | 'controlled' | 'heatmaps') => {
    if (!seen.has(p)) post({ type: 'phase', id, phase: p });
    seen.add(p);
  };
  phase('encode');
  const r = await askAboutRegion(session, { image: req.image, question: req.question, regions: req.regions }, {
    ...askOptions(req.options),
    onToken: (which, token, text) => {
      phase(which);
      post({ type: 'token', id, which, token, text });
    },
    onStep: (s) => {
      phase('optimize');
      post({ type: 'step', id, step: s.step, loss: s.loss, insideRatio: s.insideRatio, seconds: s.seconds });
    },
  });
  phase('heatmaps');
  const result: DemoResult = {
    id,
    prompt: r.prompt,
    method: r.method,
    baseline: r.baseline!,
    controlled: r.controlled,
    losses: r.losses,
    steps: r.steps,
    stop: r.stop,
    warnings: r.warnings,
    insideRatio: r.insideRatio,
    attention: r.attention,
    geometry: r.geometry,
    timings: r.timings,
    heatmaps: heatmapPair(req.image, r.attention, r.geometry, { colormap: 'inferno' }),
    backend: backendName,
  };
  post({ type: 'result', result });
}

scope.onmessage = (ev) => {
  const m = ev.data;
  const run = m.type === 'load' ? load(m.source, m.backend) : ask(m.id, m.request);
  run.catch((e: Error) => post({ type: 'error', id: m.type === 'ask' ? m.id : undefined, message: e.message }));
};
