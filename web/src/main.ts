/**
 * The demo page: pick a model and an image, draw a region, ask; the worker (worker.ts) does the model
 * work and streams progress back. URL parameters: `?model=default|tiny`, `?backend=auto|wasm|webgl2|cpu`,
 * `?threads=N` (wasm threads; default min(4, cores) on a cross-origin isolated page, else 1).
 *
 * `window.__demo` mirrors the page state (backend, last request and result) for the end-to-end test.
 */
import type { RgbImage, VisualPrompt } from '../../src/index.js';
import { RegionDrawer, drawPrompt, type Tool } from './draw.js';
import { decodeToRgb, drawRgb } from './image-decode.js';
import { listFolder } from './listing.js';
import { plotEnergy } from './plot.js';
import type { AskRequest, BackendChoice, DemoOptions, DemoResult, FromWorker, ModelInfo, ModelSource, ToWorker } from './protocol.js';

const SAMPLES = ['shapes-1.png', 'shapes-2.png'];
const DEFAULT_MODEL = new URL('../weights/default/', document.baseURI).href;
const TINY_MODEL = new URL('dist/models/tiny/', document.baseURI).href;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface DemoState {
  phase: 'starting' | 'loading' | 'ready' | 'running' | 'done' | 'error';
  backend: { name: string; label: string; reason: string; threads?: number } | null;
  model: ModelInfo | null;
  request: AskRequest | null;
  result: DemoResult | null;
  error: string | null;
  tokens: { baseline: number[]; controlled: number[] };
}
const state: DemoState = { phase: 'starting', backend: null, model: null, request: null, result: null, error: null, tokens: { baseline: [], controlled: [] } };
(window as unknown as { __demo: DemoState }).__demo = state;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

const drawer = new RegionDrawer($<HTMLCanvasElement>('draw-canvas'));
let image: RgbImage | null = null;
let askId = 0;
let losses: number[] = [];

// ---- status helpers -------------------------------------------------------------------------------

function setProgress(text: string, error = false): void {
  const el = $('progress');
  el.textContent = text;
  el.classList.toggle('error', error);
}

function fail(message: string): void {
  state.phase = 'error';
  state.error = message;
  setProgress(message, true);
  updateRunButton();
}

function updateRunButton(): void {
  const ready = state.model !== null && image !== null && drawer.prompt() !== null && state.phase !== 'running' && state.phase !== 'loading';
  $<HTMLButtonElement>('run').disabled = !ready;
}

// ---- model ----------------------------------------------------------------------------------------

function modelSource(): ModelSource | null {
  const choice = $<HTMLSelectElement>('model-select').value;
  if (choice === 'default') return { kind: 'url', base: DEFAULT_MODEL, label: 'weights/default' };
  if (choice === 'tiny') return { kind: 'url', base: TINY_MODEL, label: 'tiny test model' };
  const files = Array.from($<HTMLInputElement>('folder-input').files ?? []);
  if (!files.length) return null;
  const folder = files[0].webkitRelativePath.split('/')[0] || 'picked folder';
  return { kind: 'files', files, label: folder };
}

function loadModel(): void {
  const source = modelSource();
  if (!source) {
    setProgress('Pick a model folder first (config.json, model.safetensors, tokenizer files, preprocessor_config.json).');
    return;
  }
  state.phase = 'loading';
  state.model = null;
  $('model-status').textContent = `loading ${source.label}…`;
  $('model-badge').textContent = `model: loading ${source.label}`;
  updateRunButton();
  const threads = Number(new URLSearchParams(location.search).get('threads')) || undefined;
  send({ type: 'load', source, backend: $<HTMLSelectElement>('backend-select').value as BackendChoice, threads });
}

// ---- image ----------------------------------------------------------------------------------------

async function setImage(blob: Blob): Promise<void> {
  image = await decodeToRgb(blob);
  drawRgb($<HTMLCanvasElement>('image-canvas'), image);
  $('stage').style.aspectRatio = `${image.width} / ${image.height}`;
  drawer.reset(image.width, image.height);
  for (const id of ['heat-before', 'heat-after']) {
    const c = $<HTMLCanvasElement>(id);
    c.width = c.height = 0;
    c.style.aspectRatio = `${image.width} / ${image.height}`;
  }
  updateRunButton();
}

async function loadSample(name: string, button: HTMLElement): Promise<void> {
  await loadSampleUrl(new URL(`samples/${name}`, document.baseURI).href, button);
}

async function loadSampleUrl(url: string, button: HTMLElement): Promise<void> {
  document.querySelectorAll('.sample').forEach((b) => b.classList.remove('active'));
  button.classList.add('active');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`sample ${url}: HTTP ${res.status}`);
  await setImage(await res.blob());
}

// ---- region tools ---------------------------------------------------------------------------------

const HINTS: Record<Tool, string> = {
  box: 'Drag a box on the image.',
  mask: 'Paint the region with the brush.',
  scribble: 'Draw a stroke over the object.',
  point: 'Click on the object.',
};

function describe(p: VisualPrompt | null): string {
  if (!p) return HINTS[drawer.tool];
  if (p.type === 'box') return `box x=${p.box[0]} y=${p.box[1]} w=${p.box[2]} h=${p.box[3]} (image pixels)`;
  if (p.type === 'mask') return `mask: ${p.data.reduce((n, v) => n + (v ? 1 : 0), 0)} pixels`;
  if (p.type === 'scribble') return `scribble: ${p.points.length} points`;
  return `point (${p.point[0]}, ${p.point[1]})`;
}

drawer.onChange = (p) => {
  $('region-status').textContent = describe(p);
  updateRunButton();
};

// ---- asking ---------------------------------------------------------------------------------------

function options(): DemoOptions {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  const lr = $<HTMLInputElement>('opt-lr').value.trim();
  const layers = /^(\d+)(?:-(\d+))?$/.exec($<HTMLInputElement>('opt-layers').value.trim());
  return {
    method: $<HTMLSelectElement>('opt-method').value as 'v1' | 'pp',
    steps: num('opt-steps'),
    alpha: num('opt-alpha'),
    maxNewTokens: num('opt-tokens'),
    earlyStop: $<HTMLInputElement>('opt-early').checked,
    lr: lr === '' || !Number.isFinite(Number(lr)) ? null : Number(lr),
    layers: layers ? Array.from({ length: Number(layers[2] ?? layers[1]) - Number(layers[1]) + 1 }, (_, i) => Number(layers[1]) + i) : null,
  };
}

/**
 * A model folder may carry demo.json (the bundled model does): its sample image joins the samples and
 * its tuned settings fill the options.
 */
async function applyModelDemo(base: string): Promise<void> {
  const res = await fetch(new URL('demo.json', base));
  if (!res.ok) return;
  const demo = (await res.json()) as { image: string; question: string; options?: { method?: string; steps?: number; lr?: number; alpha?: number; layers?: number[] } };
  const o = demo.options ?? {};
  if (o.method) $<HTMLSelectElement>('opt-method').value = o.method;
  if (o.steps) $<HTMLInputElement>('opt-steps').value = String(o.steps);
  if (o.alpha) $<HTMLInputElement>('opt-alpha').value = String(o.alpha);
  if (o.lr) $<HTMLInputElement>('opt-lr').value = String(o.lr);
  if (o.layers?.length) $<HTMLInputElement>('opt-layers').value = `${o.layers[0]}-${o.layers[o.layers.length - 1]}`;
  $<HTMLInputElement>('question').value = demo.question;
  const url = new URL(demo.image, base).href;
  if (document.querySelector(`.sample[title="${demo.image}"]`)) return;
  const b = document.createElement('button');
  b.className = 'sample';
  b.title = demo.image;
  b.innerHTML = `<img alt="the model's sample" src="${url}">`;
  b.addEventListener('click', () => loadSampleUrl(url, b).catch((e: Error) => fail(e.message)));
  $('samples').prepend(b);
  await loadSampleUrl(url, b);
}

function run(): void {
  const region = drawer.prompt();
  const question = $<HTMLInputElement>('question').value.trim();
  if (!image || !region || !state.model) return;
  if (!question) {
    setProgress('Type a question first.', true);
    return;
  }
  const request: AskRequest = { image, question, regions: [region], options: options() };
  state.request = request;
  state.result = null;
  state.tokens = { baseline: [], controlled: [] };
  state.phase = 'running';
  losses = [];
  $('baseline').textContent = '';
  $('controlled').textContent = '';
  $('ratio').textContent = '';
  $('timings').textContent = '';
  plotEnergy($('energy') as unknown as SVGSVGElement, [], request.options.steps);
  setProgress('encoding the image…');
  updateRunButton();
  send({ type: 'ask', id: ++askId, request });
}

function showHeatmap(id: string, img: RgbImage, region: VisualPrompt): void {
  const canvas = $<HTMLCanvasElement>(id);
  drawRgb(canvas, img);
  const ctx = canvas.getContext('2d')!;
  ctx.globalAlpha = 0.9;
  drawPrompt(ctx, region, Math.max(1, img.width / 200), { fill: false });
}

function showResult(r: DemoResult): void {
  state.result = r;
  state.phase = 'done';
  $('baseline').textContent = r.baseline.text || '(empty answer)';
  $('controlled').textContent = r.controlled.text || '(empty answer)';
  plotEnergy($('energy') as unknown as SVGSVGElement, r.losses, r.losses.length);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  $('ratio').textContent = `· attention inside the region ${pct(r.insideRatio.before)} → ${pct(r.insideRatio.after)}`;
  const region = state.request!.regions[0];
  showHeatmap('heat-before', r.heatmaps.before, region);
  showHeatmap('heat-after', r.heatmaps.after, region);
  const t = r.timings;
  $('timings').textContent =
    `${r.method} · ${r.steps} steps (${r.stop}) · backend ${r.backend} · encode ${t.encode.toFixed(2)} s, baseline ${t.baseline.toFixed(2)} s, ` +
    `optimise ${t.optimize.toFixed(2)} s, controlled ${t.controlled.toFixed(2)} s, total ${t.total.toFixed(2)} s` +
    (r.warnings.length ? ` · warnings: ${r.warnings.join('; ')}` : '');
  setProgress('Done. Draw another region or change the question and run again.');
  updateRunButton();
}

// ---- worker messages ------------------------------------------------------------------------------

const PHASES = { encode: 'encoding the image…', baseline: 'answering without the region…', optimize: 'optimising the latent…', controlled: 'answering with the region…', heatmaps: 'drawing heatmaps…' };

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'backend': {
      state.backend = { name: m.name, label: m.label, reason: m.reason, threads: m.threads };
      const badge = $('backend');
      badge.textContent = `backend: ${m.label} · ${m.name}`;
      badge.title = m.reason;
      badge.className = `badge ${m.name.startsWith('gpujs') ? 'gpu' : m.name === 'wasm' ? 'wasm' : 'cpu'}`;
      $('backend-reason').textContent = `Backend: ${m.reason}`;
      setProgress(m.reason);
      break;
    }
    case 'progress':
      if (state.phase === 'loading') $('model-status').textContent = m.message;
      break;
    case 'loaded': {
      state.model = m.info;
      state.phase = 'ready';
      const i = m.info;
      const params = i.parameters >= 1e6 ? `${(i.parameters / 1e6).toFixed(1)} M` : `${(i.parameters / 1e3).toFixed(1)} k`;
      $('model-status').textContent = `${i.name}: ${params} parameters, ${i.layers} layers, ${i.grid}×${i.grid} visual tokens (${i.imageSize} px), loaded in ${i.seconds.toFixed(1)} s`;
      $('model-badge').textContent = `model: ${i.name}`;
      setProgress(`Ready (${state.backend?.reason ?? ''}). Draw a region and press Run.`);
      updateRunButton();
      break;
    }
    case 'phase':
      if (m.id === askId) setProgress(PHASES[m.phase]);
      break;
    case 'step':
      if (m.id !== askId) break;
      losses.push(m.loss);
      plotEnergy($('energy') as unknown as SVGSVGElement, losses, state.request!.options.steps);
      setProgress(`optimising: step ${m.step + 1}, energy ${m.loss.toPrecision(4)}, inside ${(100 * m.insideRatio).toFixed(1)}%`);
      break;
    case 'token':
      if (m.id !== askId) break;
      state.tokens[m.which].push(m.token);
      $(m.which).textContent += m.text;
      break;
    case 'result':
      if (m.result.id === askId) showResult(m.result);
      break;
    case 'error':
      if (state.phase === 'loading') {
        $('model-status').textContent = 'failed to load';
        $('model-badge').textContent = 'model: none';
      }
      fail(m.message);
      break;
  }
};
worker.onerror = (e) => fail(`worker error: ${e.message}`);
worker.onmessageerror = () => fail('worker message could not be read');

// ---- wiring ---------------------------------------------------------------------------------------

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const select = $<HTMLSelectElement>('model-select');
  const backend = params.get('backend');
  if (backend === 'auto' || backend === 'wasm' || backend === 'webgl2' || backend === 'cpu') $<HTMLSelectElement>('backend-select').value = backend;

  const listing = await listFolder(DEFAULT_MODEL);
  const hasDefault = listing === null || listing.includes('config.json');
  const defaultOption = select.querySelector<HTMLOptionElement>('option[value=default]')!;
  if (!hasDefault) {
    defaultOption.disabled = true;
    defaultOption.textContent += ' — not present yet';
  }
  const wanted = params.get('model');
  select.value = wanted === 'tiny' || wanted === 'default' ? wanted : hasDefault ? 'default' : 'tiny';

  const samples = $('samples');
  for (const name of SAMPLES) {
    const b = document.createElement('button');
    b.className = 'sample';
    b.title = name;
    b.innerHTML = `<img alt="${name}" src="samples/${name}">`;
    b.addEventListener('click', () => loadSample(name, b).catch((e: Error) => fail(e.message)));
    samples.append(b);
  }
  await loadSample(SAMPLES[0], samples.firstElementChild as HTMLElement);
  if (select.value === 'default') await applyModelDemo(DEFAULT_MODEL);
  loadModel();
}

select('model-select').addEventListener('change', () => {
  const folder = $<HTMLSelectElement>('model-select').value === 'folder';
  $('folder-row').hidden = !folder;
  if (!folder) loadModel();
});
select('backend-select').addEventListener('change', () => loadModel());
$('folder-input').addEventListener('change', () => loadModel());
$('load').addEventListener('click', () => loadModel());
$('image-input').addEventListener('change', () => {
  const f = $<HTMLInputElement>('image-input').files?.[0];
  if (f) {
    document.querySelectorAll('.sample').forEach((b) => b.classList.remove('active'));
    setImage(f).catch((e: Error) => fail(`${f.name}: ${e.message}`));
  }
});
document.querySelectorAll<HTMLButtonElement>('.tool').forEach((b) =>
  b.addEventListener('click', () => {
    document.querySelectorAll('.tool').forEach((t) => t.classList.toggle('active', t === b));
    drawer.setTool(b.dataset.tool as Tool);
    $('brush-label').hidden = drawer.tool !== 'mask';
  }),
);
$<HTMLInputElement>('brush').addEventListener('input', (e) => (drawer.brush = Number((e.target as HTMLInputElement).value)));
$('clear').addEventListener('click', () => drawer.clear());
$('run').addEventListener('click', run);
$<HTMLInputElement>('question').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !$<HTMLButtonElement>('run').disabled) run();
});

function select(id: string): HTMLSelectElement {
  return $<HTMLSelectElement>(id);
}

start().catch((e: Error) => fail(e.message));
