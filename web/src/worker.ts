/**
 * The model worker: loads a Session, picks the backend (said out loud, never silently), and runs
 * askAboutRegion, posting a message per phase, per optimisation step and per generated token so the
 * page stays responsive and shows progress. All model work happens here, off the page's thread.
 */
import {
  askAboutRegion, fetchFiles, fileListFiles, heatmapPair, loadSessionFromFiles, onBackendLog, parameterSpecs, setBackend,
  type Backend, type FileReader, type Session, type WasmBackend,
} from '../../src/index.js';
import { chooseBackend, type BackendChoice } from './backend-choice.js';
import { listFolder } from './listing.js';
import { askOptions, type AskRequest, type DemoResult, type FromWorker, type ModelSource, type ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

let session: Session | null = null;
let backendName = 'cpu';
let current: Backend | null = null;

/** Keeps the small files (json, tokenizer) after the first read; weights are read once and not kept. */
function memo(read: FileReader): FileReader {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  return (name) => {
    if (name.endsWith('.safetensors')) return read(name);
    if (!cache.has(name)) cache.set(name, read(name));
    return cache.get(name)!;
  };
}

async function load(source: ModelSource, choice: BackendChoice, threads?: number): Promise<void> {
  const t0 = performance.now();
  session = null;
  onBackendLog((m) => post({ type: 'progress', message: m }));
  (current as Partial<WasmBackend> | null)?.dispose?.(); // the previous load's wasm threads
  current = null;
  post({ type: 'progress', message: choice === 'auto' ? 'choosing a backend (verifying and timing each)…' : `starting backend ${choice}…` });
  const { backend, label, reason, threads: used } = await chooseBackend(choice, threads);
  setBackend(backend);
  current = backend;
  backendName = backend.name;
  post({ type: 'backend', name: backend.name, label, reason, threads: used });

  let read: FileReader;
  if (source.kind === 'url') {
    const listing = await listFolder(source.base);
    if (listing !== null && !listing.includes('config.json')) throw new Error(`${source.label}: no config.json at ${source.base}`);
    // The weights' bytes as they arrive drive the page's progress bar.
    const onBytes = (name: string, n: number, total: number | null) => {
      if (name.endsWith('.safetensors')) post({ type: 'progress', message: `reading ${name}: ${(n / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`, fraction: total ? n / total : undefined });
    };
    read = memo(fetchFiles(source.base, { listing: listing ?? undefined, onBytes }));
  } else {
    read = memo(fileListFiles(source.files));
  }
  let tiktokenWasm: ArrayBuffer | undefined;
  if ((await read('tokenizer.json')) === undefined && (await read('tokenizer.model')) !== undefined) {
    post({ type: 'progress', message: 'fetching tiktoken WebAssembly (tokenizer.model without tokenizer.json)' });
    tiktokenWasm = await (await fetch(new URL('./tiktoken_bg.wasm', import.meta.url))).arrayBuffer();
  }
  const s = await loadSessionFromFiles(read, {
    backend,
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
      processor: s.processor,
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
  const geometry = r.geometry;
  if (!geometry) throw new Error('the page draws heatmaps on LLaVA\'s square grid only');
  const { before, after, max } = heatmapPair(req.image, r.attention, geometry, { colormap: 'inferno' });
  const result: DemoResult = {
    id,
    scale: { min: 0, max },
    stepInsideRatios: r.stepInsideRatios,
    soft: r.regions.some((g) => g.soft),
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
    geometry,
    timings: r.timings,
    heatmaps: { before, after },
    backend: backendName,
  };
  post({ type: 'result', result });
}

scope.onmessage = (ev) => {
  const m = ev.data;
  const run = m.type === 'load' ? load(m.source, m.backend, m.threads) : ask(m.id, m.request);
  run.catch((e: Error) => post({ type: 'error', id: m.type === 'ask' ? m.id : undefined, message: e.message }));
};
