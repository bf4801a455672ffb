/**
 * The demo page: pick a model and an image, draw regions, ask; the worker (worker.ts) does the model
 * work and streams progress back. URL parameters: `?model=default|tiny`, `?backend=auto|wasm|webgl2|cpu`,
 * `?threads=N` (wasm threads; default min(4, cores) on a cross-origin isolated page, else 1).
 *
 * `window.__demo` mirrors the page state (backend, last request and result) for the end-to-end test.
 */
import { preprocess } from '../../src/io/clip-preprocess.js';
import type { RgbImage, VisualPrompt } from '../../src/index.js';
import { RegionDrawer, type Tool } from './draw.js';
import { decodeToRgb, drawRgb } from './image-decode.js';
import { listFolder } from './listing.js';
import { readOptions, showOptionErrors } from './options.js';
import type { AskRequest, BackendChoice, DemoResult, FromWorker, ModelInfo, ToWorker } from './protocol.js';
import { mapRegions } from './regions-check.js';
import { applyModelDemo, sampleButton as makeSampleButton } from './samples.js';
import { DEFAULT_MODEL, modelSource } from './sources.js';
import { showBackend, showModel } from './status.js';
import { clearResults, insideText, plotSteps, showResult } from './results.js';

const SAMPLES = ['shapes-1.png', 'shapes-2.png'];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface DemoState {
  phase: 'starting' | 'loading' | 'ready' | 'running' | 'done' | 'error' | 'stopped';
  backend: { name: string; label: string; reason: string; threads?: number } | null;
  model: ModelInfo | null;
  request: AskRequest | null;
  result: DemoResult | null;
  error: string | null;
  /** Why the drawn regions cannot be used (before Run), or null. */
  refusal: string | null;
  tokens: { baseline: number[]; controlled: number[] };
  /** The loading bar's values during the last load (fractions of the weights received). */
  loadProgress: number[];
}
const state: DemoState = { phase: 'starting', backend: null, model: null, request: null, result: null, error: null, refusal: null, tokens: { baseline: [], controlled: [] }, loadProgress: [] };
(window as unknown as { __demo: DemoState }).__demo = state;

let worker: Worker;
const send = (m: ToWorker) => worker.postMessage(m);

const drawer = new RegionDrawer($<HTMLCanvasElement>('draw-canvas'));
let image: RgbImage | null = null;
let askId = 0;
let losses: number[] = [];

function setProgress(text: string, error = false): void {
  const el = $('progress');
  el.textContent = text;
  el.classList.toggle('error', error);
}

function fail(message: string): void {
  const wasLoading = state.phase === 'loading';
  state.phase = 'error';
  state.error = message;
  if (wasLoading) {
    $('model-status').textContent = 'failed to load';
    $('model-badge').textContent = 'model: none';
    state.model = null;
  }
  $('load-progress').hidden = true;
  clearResults();
  setProgress(message, true);
  updateButtons();
}

function updateButtons(): void {
  const running = state.phase === 'running';
  const options = state.model ? readOptions(state.model.layers) : null;
  showOptionErrors(options?.errors ?? null);
  const ready = state.model !== null && image !== null && drawer.prompts().length > 0 && state.refusal === null && options?.errors === null;
  $<HTMLButtonElement>('run').disabled = !ready || running || state.phase === 'loading';
  $<HTMLButtonElement>('stop').disabled = !running;
}

function startWorker(): void {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onMessage;
  worker.onerror = (e) => fail(`worker error: ${e.message}`);
  worker.onmessageerror = () => fail('worker message could not be read');
}

function loadModel(): void {
  const source = modelSource();
  if (!source) {
    setProgress('Pick a model folder first (config.json, model.safetensors, tokenizer files, preprocessor_config.json).');
    return;
  }
  state.phase = 'loading';
  state.model = null;
  state.error = null;
  state.loadProgress = [];
  $('model-status').textContent = `loading ${source.label}…`;
  $('model-badge').textContent = `model: loading ${source.label}`;
  const bar = $<HTMLProgressElement>('load-progress');
  bar.hidden = false;
  bar.removeAttribute('value'); // indeterminate until the weights' size is known
  setProgress(`Loading ${source.label}…`);
  drawer.grid = null;
  drawer.render();
  updateButtons();
  const threads = Number(new URLSearchParams(location.search).get('threads')) || undefined;
  send({ type: 'load', source, backend: $<HTMLSelectElement>('backend-select').value as BackendChoice, threads });
}

// ---- image and regions ----------------------------------------------------------------------------

async function setImage(blob: Blob): Promise<void> {
  image = await decodeToRgb(blob);
  drawRgb($<HTMLCanvasElement>('image-canvas'), image);
  $('stage').style.aspectRatio = `${image.width} / ${image.height}`;
  for (const id of ['heat-before', 'heat-after']) $(id).style.aspectRatio = `${image.width} / ${image.height}`;
  drawer.reset(image.width, image.height);
  updateGrid();
}

async function loadSampleUrl(url: string, button: HTMLElement): Promise<void> {
  document.querySelectorAll('.sample').forEach((b) => b.classList.remove('active'));
  button.classList.add('active');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`sample ${url}: HTTP ${res.status}`);
  await setImage(await res.blob());
}

/** The model's crop and token grid for this image, drawn under the regions while drawing. */
function updateGrid(): void {
  if (!image || !state.model) return;
  const geometry = preprocess(image, state.model.processor).geometry;
  drawer.grid = { grid: state.model.grid, geometry, cells: null };
  checkRegions(drawer.prompts());
}

/** Maps the regions onto the token grid now, so a region the model cannot see is refused before Run. */
function checkRegions(regions: VisualPrompt[]): void {
  const { refusal, text } = mapRegions(drawer, regions);
  state.refusal = refusal;
  const el = $('region-status');
  el.classList.toggle('error', refusal !== null);
  el.textContent = text;
  updateButtons();
}
drawer.onChange = checkRegions;

/** A sample button: picking it loads the image (errors go to the status line). */
function sampleButton(url: string, alt: string): HTMLButtonElement {
  return makeSampleButton(url, alt, (b) => loadSampleUrl(url, b).catch((e: Error) => fail(e.message)));
}

function run(): void {
  const regions = drawer.prompts();
  const question = $<HTMLInputElement>('question').value.trim();
  const options = state.model ? readOptions(state.model.layers) : null;
  if (!image || !regions.length || !state.model || !options?.options || state.refusal) return;
  if (!question) return setProgress('Type a question first.', true);
  const request: AskRequest = { image, question, regions, options: options.options };
  Object.assign(state, { request, result: null, error: null, phase: 'running', tokens: { baseline: [], controlled: [] } });
  losses = [];
  clearResults('');
  plotSteps([], request.options.steps);
  setProgress('encoding the image…');
  updateButtons();
  send({ type: 'ask', id: ++askId, request });
}

/** Stop: the worker is busy in the optimisation loop, so it is ended and a fresh one reloads the model. */
function stop(): void {
  if (state.phase !== 'running') return;
  worker.terminate();
  askId++;
  clearResults();
  startWorker();
  loadModel();
  setProgress('Stopped. Reloading the model in a fresh worker…');
}

// ---- worker messages ------------------------------------------------------------------------------

const PHASES = { encode: 'encoding the image…', baseline: 'answering without the regions…', optimize: 'optimising the latent…', controlled: 'answering with the regions…', heatmaps: 'drawing heatmaps…' };

function onMessage(ev: MessageEvent<FromWorker>): void {
  const m = ev.data;
  switch (m.type) {
    case 'backend':
      state.backend = { name: m.name, label: m.label, reason: m.reason, threads: m.threads };
      showBackend(m);
      break;
    case 'progress':
      if (state.phase !== 'loading') break;
      $('model-status').textContent = m.message;
      if (m.fraction !== undefined) {
        $<HTMLProgressElement>('load-progress').value = m.fraction;
        state.loadProgress.push(m.fraction);
      }
      break;
    case 'loaded': {
      Object.assign(state, { model: m.info, phase: 'ready' });
      showModel(m.info);
      setProgress('Ready. Draw one or more regions and press Run.');
      updateGrid();
      break;
    }
    case 'phase':
      if (m.id === askId) setProgress(PHASES[m.phase]);
      break;
    case 'step':
      if (m.id !== askId) break;
      losses.push(m.loss);
      plotSteps(losses, state.request!.options.steps);
      setProgress(`optimising: step ${m.step + 1} of ${state.request!.options.steps}, energy ${m.loss.toPrecision(4)}, inside ${(100 * m.insideRatio).toFixed(1)}%`);
      break;
    case 'token':
      if (m.id !== askId) break;
      state.tokens[m.which].push(m.token);
      $(m.which).textContent += m.text;
      break;
    case 'result':
      if (m.result.id !== askId) break;
      Object.assign(state, { result: m.result, phase: 'done' });
      showResult(m.result, state.request!.regions);
      setProgress(`Done ${insideText(m.result, state.request!.regions.length)}. Draw other regions or change the question and run again.`);
      updateButtons();
      break;
    case 'error':
      if (m.id !== undefined && m.id !== askId) break;
      fail(m.message);
      break;
  }
}

// ---- wiring ---------------------------------------------------------------------------------------

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const select = $<HTMLSelectElement>('model-select');
  const backend = params.get('backend');
  if (backend && ['auto', 'wasm', 'webgl2', 'cpu'].includes(backend)) $<HTMLSelectElement>('backend-select').value = backend;
  const listing = await listFolder(DEFAULT_MODEL);
  const hasDefault = listing === null || listing.includes('config.json');
  const defaultOption = select.querySelector<HTMLOptionElement>('option[value=default]')!;
  if (!hasDefault) {
    defaultOption.disabled = true;
    defaultOption.textContent += ' — not present yet';
  }
  const wanted = params.get('model');
  select.value = wanted === 'tiny' || wanted === 'default' ? wanted : hasDefault ? 'default' : 'tiny';
  for (const name of SAMPLES) $('samples').append(sampleButton(`samples/${name}`, name));
  startWorker();
  loadModel();
  await loadSampleUrl(`samples/${SAMPLES[0]}`, $('samples').firstElementChild as HTMLElement);
  const demo = select.value === 'default' ? await applyModelDemo(DEFAULT_MODEL) : null;
  if (demo) {
    const b = sampleButton(demo, "the model's sample");
    $('samples').prepend(b);
    await loadSampleUrl(demo, b);
  }
}

$('model-select').addEventListener('change', () => {
  const folder = $<HTMLSelectElement>('model-select').value === 'folder';
  $('folder-row').hidden = !folder;
  if (!folder) loadModel();
});
$('backend-select').addEventListener('change', () => loadModel());
$('folder-input').addEventListener('change', () => loadModel());
$('load').addEventListener('click', () => loadModel());
$('image-input').addEventListener('change', () => {
  const f = $<HTMLInputElement>('image-input').files?.[0];
  if (!f) return;
  document.querySelectorAll('.sample').forEach((b) => b.classList.remove('active'));
  setImage(f).catch((e: Error) => fail(`${f.name}: ${e.message}`));
});
document.querySelectorAll<HTMLButtonElement>('.tool').forEach((b) =>
  b.addEventListener('click', () => {
    document.querySelectorAll('.tool').forEach((t) => {
      t.classList.toggle('active', t === b);
      t.setAttribute('aria-pressed', String(t === b));
    });
    drawer.setTool(b.dataset.tool as Tool);
    $('brush-label').hidden = drawer.tool !== 'mask';
    checkRegions(drawer.prompts());
  }),
);
$<HTMLInputElement>('brush').addEventListener('input', (e) => (drawer.brush = Number((e.target as HTMLInputElement).value)));
$('clear').addEventListener('click', () => drawer.clear());
$('undo').addEventListener('click', () => drawer.undo());
$('run').addEventListener('click', run);
$('stop').addEventListener('click', stop);
for (const id of ['opt-steps', 'opt-alpha', 'opt-tokens', 'opt-lr', 'opt-layers', 'opt-method']) $(id).addEventListener('input', updateButtons);
$<HTMLInputElement>('question').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !$<HTMLButtonElement>('run').disabled) run();
});

start().catch((e: Error) => fail(e.message));
