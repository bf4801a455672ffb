/**
 * The web demo end to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * scripts/serve-web.mjs builds and serves the page on 127.0.0.1 (ephemeral port); the test draws a box
 * on the first sample image with the mouse, types a question, runs, and waits for both answers, the
 * energy plot and both heatmaps. It checks the page names the backend it used, that nothing was logged
 * as a console error, saves a screenshot (test-output/web-e2e.png), and runs askAboutRegion in Node on the same model
 * files, image bytes, box, question and options: the answers (tokens and text) must be the same.
 *
 * The model is the tiny test model (random weights, built into web/dist/models/tiny by the build), so the
 * answers are gibberish but the whole path — files → worker → model → page — is exercised in seconds.
 * Two runs: the page's `auto` backend (GPU.js WebGL2 when Chromium offers it — with --disable-gpu that is
 * its software renderer — else the reference), where tokens must match Node's reference backend and the
 * energies agree to float32 rounding; and `?backend=cpu`, where everything must match exactly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { askAboutRegion, cpu, createWasmBackend, loadSession, readImageFile, setBackend, type Backend } from '../../src/node.js';
import { askOptions, type AskRequest, type DemoResult } from '../../web/src/protocol.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server: ChildProcess | undefined;
let context: BrowserContext | undefined;
let userDataDir: string | undefined;
let baseUrl = '';

/** Starts scripts/serve-web.mjs on an ephemeral port and resolves with the page URL it prints. */
function startServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve-web.mjs'), '--host', '127.0.0.1', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve-web.mjs printed no URL within 30 s\nstdout: ${out}\nstderr: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-web.mjs exited with code ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

interface PageState {
  phase: string;
  backend: { name: string; label: string; reason: string; threads?: number } | null;
  error: string | null;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the web end-to-end test needs Debian's chromium (apt-get install -y chromium)`);
  }
  baseUrl = await startServer();
  userDataDir = mkdtempSync(path.join(tmpdir(), 'controlmllm-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 980 },
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (server && server.exitCode === null) server.kill('SIGTERM');
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Opens the page, collecting console errors and uncaught page errors; `isolated: false` strips COOP/COEP. */
async function openPage(query: string, isolated = true): Promise<{ page: Page; errors: string[] }> {
  const page = await context!.newPage();
  if (!isolated) {
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
  }
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(`${baseUrl}${query}`);
  return { page, errors };
}

const demoState = (page: Page) => page.evaluate(() => {
  const s = (window as unknown as { __demo: PageState }).__demo;
  return { phase: s.phase, backend: s.backend, error: s.error };
});

async function waitForPhase(page: Page, phases: string[], timeout: number): Promise<PageState> {
  await page.waitForFunction((p) => p.includes((window as unknown as { __demo: PageState }).__demo.phase), phases, { timeout });
  return demoState(page);
}

interface PageRun {
  backend: PageState['backend'];
  baseline: string | null;
  controlled: string | null;
  dots: number;
  before: { width: number; height: number; colours: number };
  after: { width: number; height: number; colours: number };
  ratio: string | null;
  badge: string | null;
  request: { question: string; regions: AskRequest['regions']; options: AskRequest['options']; image: { width: number; height: number; data: number[] } };
  result: Pick<DemoResult, 'baseline' | 'controlled' | 'losses' | 'backend' | 'insideRatio'>;
  errors: string[];
}

/** Draws a box over the red circle (top left of shapes-1.png) with a mouse drag. */
async function drawBox(page: Page): Promise<void> {
  const stage = (await page.locator('#draw-canvas').boundingBox())!;
  await page.mouse.move(stage.x + stage.width * 0.08, stage.y + stage.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * 0.5, stage.y + stage.height * 0.52, { steps: 8 });
  await page.mouse.up();
  await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^box x=\d+ y=\d+ w=\d+ h=\d+/);
}

/** Opens the page with `query`, draws a region (a box by default), asks, and reads back what the page shows. */
async function askOnPage(query: string, opts: { screenshot?: string; draw?: (page: Page) => Promise<void>; isolated?: boolean } = {}): Promise<PageRun> {
  const { page, errors } = await openPage(query, opts.isolated);
  const loaded = await waitForPhase(page, ['ready', 'error'], 30_000);
  expect(loaded.error).toBeNull();
  expect(loaded.phase).toBe('ready');
  await (opts.draw ?? drawBox)(page);

  await page.fill('#question', 'What colour is this object?');
  await page.click('#run');
  const done = await waitForPhase(page, ['done', 'error'], 45_000);
  expect(done.error).toBeNull();
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });

  const view = await page.evaluate(() => {
    const s = (window as unknown as { __demo: { request: AskRequest; result: DemoResult; backend: PageState['backend'] } }).__demo;
    const canvas = (id: string) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const distinct = new Set<number>();
      for (let i = 0; i < px.length && distinct.size < 50; i += 4 * 7) distinct.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      return { width: c.width, height: c.height, colours: distinct.size };
    };
    const text = (id: string) => document.getElementById(id)!.textContent;
    return {
      backend: s.backend,
      baseline: text('baseline'),
      controlled: text('controlled'),
      dots: document.querySelectorAll('#energy circle').length,
      before: canvas('heat-before'),
      after: canvas('heat-after'),
      ratio: text('ratio'),
      badge: text('backend'),
      request: { question: s.request.question, regions: s.request.regions, options: s.request.options, image: { width: s.request.image.width, height: s.request.image.height, data: Array.from(s.request.image.data) } },
      result: { baseline: s.result.baseline, controlled: s.result.controlled, losses: s.result.losses, backend: s.result.backend, insideRatio: s.result.insideRatio },
    };
  });
  await page.close();
  return { ...view, errors };
}

/** What the page must show after a run, whatever the backend. */
function expectCompletePage(v: PageRun): void {
  expect(v.errors).toEqual([]);
  expect(v.baseline!.length).toBeGreaterThan(0);
  expect(v.controlled!.length).toBeGreaterThan(0);
  expect(v.baseline).toBe(v.result.baseline.text || '(empty answer)');
  expect(v.controlled).toBe(v.result.controlled.text || '(empty answer)');
  expect(v.result.losses.length).toBe(v.request.options.steps);
  expect(v.dots).toBe(v.result.losses.length);
  for (const h of [v.before, v.after]) {
    expect([h.width, h.height]).toEqual([160, 160]);
    expect(h.colours).toBeGreaterThan(10);
  }
  expect(v.ratio).toMatch(/inside the region [\d.]+% → [\d.]+%/);
  // The page names the backend it used: the badge, the worker's report and the result agree.
  expect(v.backend).not.toBeNull();
  expect(v.result.backend).toBe(v.backend!.name);
  expect(v.badge).toBe(`backend: ${v.backend!.label} · ${v.backend!.name}`);
}

/**
 * askAboutRegion in Node on the same model files, image bytes, region, question and options: on the
 * reference backend, or on the wasm backend with `threads` (the page's wasm run).
 */
async function askInNode(v: PageRun, wasmThreads?: number) {
  const image = readImageFile(path.join(root, 'web', 'samples', 'shapes-1.png'));
  expect([v.request.image.width, v.request.image.height]).toEqual([image.width, image.height]);
  expect(Buffer.from(Uint8Array.from(v.request.image.data)).equals(Buffer.from(image.data))).toBe(true);
  const wasm = wasmThreads ? await createWasmBackend({ threads: wasmThreads }) : null;
  setBackend(wasm ?? cpu);
  try {
    const session = await loadSession(path.join(root, 'web', 'dist', 'models', 'tiny'));
    return await askAboutRegion(session, { image, question: v.request.question, regions: v.request.regions }, askOptions(v.request.options));
  } finally {
    setBackend(cpu as Backend);
    wasm?.dispose();
  }
}

describe('web demo in headless Chromium', () => {
  it('auto backend: verified backends timed on a probe, the fastest named with the times; the same tokens as Node', async () => {
    // The test's screenshot goes to test-output/ (ignored); scripts/web-screenshot.mjs takes the README's.
    const shot = path.join(root, 'test-output', 'web-e2e.png');
    mkdirSync(path.dirname(shot), { recursive: true });
    const v = await askOnPage('?model=tiny', { screenshot: shot });
    expectCompletePage(v);
    expect(v.backend!.reason).toMatch(/auto: fastest on a short probe — .*reference CPU [\d.]+ ms/);
    expect(v.backend!.reason).toMatch(/WebAssembly SIMD.* [\d.]+ ms/);
    expect(v.backend!.name).toMatch(/^(cpu|gpujs:|wasm)/);
    const node = await askInNode(v, v.backend!.name === 'wasm' ? v.backend!.threads : undefined);
    expect(v.result.baseline.tokens).toEqual(node.baseline!.tokens);
    expect(v.result.controlled.tokens).toEqual(node.controlled.tokens);
    expect(v.result.baseline.text).toBe(node.baseline!.text);
    expect(v.result.controlled.text).toBe(node.controlled.text);
    v.result.losses.forEach((l, i) => expect(Math.abs(l - node.losses[i])).toBeLessThan(1e-4 * Math.abs(node.losses[i]) + 1e-6));
  }, 90_000);

  it('wasm backend with 2 threads on the cross-origin isolated page: answers and energies equal Node\'s wasm run', async () => {
    const v = await askOnPage('?model=tiny&backend=wasm&threads=2');
    expectCompletePage(v);
    expect(v.backend!.name).toBe('wasm');
    expect(v.backend!.threads).toBe(2);
    expect(v.backend!.label).toMatch(/^WebAssembly SIMD.* · 2 threads$/);
    expect(v.backend!.reason).toContain('2 threads (asked for) (chosen on the page)');
    const node = await askInNode(v, 2);
    expect(v.result.baseline).toEqual(node.baseline);
    expect(v.result.controlled).toEqual(node.controlled);
    v.result.losses.forEach((l, i) => expect(Math.abs(l - node.losses[i])).toBeLessThan(1e-5 * Math.abs(node.losses[i]) + 1e-7));
  }, 90_000);

  it('without COOP/COEP the wasm backend runs on one thread and says why', async () => {
    const v = await askOnPage('?model=tiny&backend=wasm&threads=2', { isolated: false });
    expectCompletePage(v);
    expect(v.backend!.name).toBe('wasm');
    expect(v.backend!.threads).toBe(1);
    expect(v.backend!.reason).toContain('one thread: the page is not cross-origin isolated');
    expect(v.backend!.reason).toContain('Cross-Origin-Embedder-Policy: require-corp');
    const node = await askInNode(v, 1);
    expect(v.result.baseline).toEqual(node.baseline);
    expect(v.result.controlled).toEqual(node.controlled);
  }, 90_000);

  it('reference backend chosen on the page: answers, energies and inside ratios equal Node exactly', async () => {
    const v = await askOnPage('?model=tiny&backend=cpu');
    expectCompletePage(v);
    expect(v.backend).toEqual({ name: 'cpu', label: 'reference CPU', reason: 'reference CPU: plain TypeScript kernels (chosen on the page)' });
    const node = await askInNode(v);
    expect(v.result.baseline).toEqual(node.baseline);
    expect(v.result.controlled).toEqual(node.controlled);
    expect(v.result.losses).toEqual(node.losses);
    expect(v.result.insideRatio).toEqual(node.insideRatio);
  }, 90_000);

  it('mask, scribble and point tools make their prompts; a point with ++ (2 steps) matches Node', async () => {
    const draw = async (page: Page) => {
      const stage = (await page.locator('#draw-canvas').boundingBox())!;
      const at = (fx: number, fy: number) => [stage.x + stage.width * fx, stage.y + stage.height * fy] as const;
      const stroke = async (points: Array<readonly [number, number]>) => {
        await page.mouse.move(...at(...points[0]));
        await page.mouse.down();
        for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 4 });
        await page.mouse.up();
      };
      await page.click('button[data-tool=mask]');
      await stroke([[0.7, 0.25], [0.8, 0.3]]);
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^mask: [1-9]\d* pixels$/);
      await page.click('button[data-tool=scribble]');
      await stroke([[0.45, 0.7], [0.5, 0.75], [0.55, 0.7]]);
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^scribble: [1-9]\d* points$/);
      await page.click('button[data-tool=point]');
      await page.mouse.click(...at(0.72, 0.3));
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^point \(\d+, \d+\)$/);
      await page.click('summary');
      await page.selectOption('#opt-method', 'pp');
      await page.fill('#opt-steps', '2');
    };
    const v = await askOnPage('?model=tiny&backend=cpu', { draw });
    expectCompletePage(v);
    expect(v.request.regions[0].type).toBe('point');
    expect(v.request.options.method).toBe('pp');
    const node = await askInNode(v);
    expect(v.result.baseline).toEqual(node.baseline);
    expect(v.result.controlled).toEqual(node.controlled);
    expect(v.result.losses).toEqual(node.losses);
  }, 60_000);
});
