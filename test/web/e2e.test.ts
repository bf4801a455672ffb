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
 * Runs: the page's `auto` backend (the fastest verified of wasm, GPU.js WebGL2 — with --disable-gpu that
 * is Chromium's software renderer — and the reference), whose tokens must match Node on the same backend;
 * `?backend=wasm&threads=2` on the cross-origin isolated page, and without COOP/COEP (one thread, said
 * why), both equal to Node's wasm backend; `?backend=cpu`, where everything must match exactly; and all
 * three region tools at once. test/web/page.test.ts covers the page's controls.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { askAboutRegion, cpu, createWasmBackend, loadSession, readImageFile } from '../../src/node.js';
import { askOptions, type AskRequest, type DemoResult } from '../../web/src/protocol.js';
import { drag, root, useWebPage, waitForPhase, type PageState } from '../helpers/web-page.js';

const web = useWebPage();

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
  await drag(page, [0.08, 0.1], [0.5, 0.52]);
  await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^1 region \(image pixels\): box x=\d+ y=\d+ w=\d+ h=\d+$/);
}

/** Opens the page with `query`, draws a region (a box by default), asks, and reads back what the page shows. */
async function askOnPage(query: string, opts: { screenshot?: string; draw?: (page: Page) => Promise<void>; isolated?: boolean } = {}): Promise<PageRun> {
  const { page, errors } = await web.open(query, { isolated: opts.isolated });
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
  expect(v.ratio).toMatch(/inside the regions? [\d.]+% → [\d.]+%/);
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
  try {
    const session = await loadSession(path.join(root, 'web', 'dist', 'models', 'tiny'), { backend: wasm ?? cpu });
    return await askAboutRegion(session, { image, question: v.request.question, regions: v.request.regions }, askOptions(v.request.options));
  } finally {
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

  it('mask, scribble and point tools add up to three regions at once; ++ (2 steps) on all three matches Node', async () => {
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
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^1 region \(image pixels\): mask: [1-9]\d* pixels$/);
      await page.click('button[data-tool=scribble]');
      await stroke([[0.45, 0.7], [0.5, 0.75], [0.55, 0.7]]);
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^2 regions \(image pixels\): mask: \d+ pixels; scribble: [1-9]\d* points$/);
      await page.click('button[data-tool=point]');
      await page.mouse.click(...at(0.72, 0.3));
      await expect(page.locator('#region-status').textContent()).resolves.toMatch(/^3 regions \(image pixels\): mask: .*; scribble: .*; point \(\d+, \d+\)$/);
      await page.click('summary');
      await page.selectOption('#opt-method', 'pp');
      await page.fill('#opt-steps', '2');
    };
    const v = await askOnPage('?model=tiny&backend=cpu', { draw });
    expectCompletePage(v);
    expect(v.request.regions.map((r) => r.type)).toEqual(['mask', 'scribble', 'point']);
    expect(v.ratio).toContain('attention inside the regions');
    expect(v.ratio).toContain('weighted by the soft prompt');
    expect(v.request.options.method).toBe('pp');
    const node = await askInNode(v);
    expect(v.result.baseline).toEqual(node.baseline);
    expect(v.result.controlled).toEqual(node.controlled);
    expect(v.result.losses).toEqual(node.losses);
  }, 60_000);
});
