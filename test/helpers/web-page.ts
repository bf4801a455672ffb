/**
 * The demo page in headless Chromium for the web tests: Debian's /usr/bin/chromium driven by
 * playwright-core, and scripts/serve-web.mjs (which builds the page first) on an ephemeral port.
 * `useWebPage()` registers beforeAll/afterAll and returns accessors for the open page helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface PageState {
  phase: string;
  backend: { name: string; label: string; reason: string; threads?: number } | null;
  error: string | null;
  refusal: string | null;
}

/** Starts scripts/serve-web.mjs on an ephemeral port; resolves with the child and the page URL it prints. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'serve-web.mjs'), '--host', '127.0.0.1', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve-web.mjs printed no URL within 30 s\nstdout: ${out}\nstderr: ${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr!.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-web.mjs exited with code ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export interface WebPage {
  /** Opens the page at `query` (e.g. '?model=tiny'), collecting console errors; `isolated: false` strips COOP/COEP. */
  open(query: string, opts?: { isolated?: boolean; viewport?: { width: number; height: number } }): Promise<{ page: Page; errors: string[] }>;
}

export function useWebPage(): WebPage {
  let server: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let baseUrl = '';
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the web end-to-end tests need Debian's chromium (apt-get install -y chromium)`);
    const s = await startServer();
    [server, baseUrl] = [s.child, s.url];
    userDataDir = mkdtempSync(path.join(tmpdir(), 'controlmllm-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1360, height: 980 } });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (server && server.exitCode === null) server.kill('SIGTERM');
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });
  return {
    async open(query, opts = {}) {
      const page = await context!.newPage();
      if (opts.viewport) await page.setViewportSize(opts.viewport);
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      if (opts.isolated === false) {
        await page.route('**/*', async (route) => {
          const response = await route.fetch();
          const headers = { ...response.headers() };
          delete headers['cross-origin-opener-policy'];
          delete headers['cross-origin-embedder-policy'];
          await route.fulfill({ response, headers });
        });
      }
      await page.goto(`${baseUrl}${query}`);
      return { page, errors };
    },
  };
}

export const demoState = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const s = (window as unknown as { __demo: PageState }).__demo;
    return { phase: s.phase, backend: s.backend, error: s.error, refusal: s.refusal };
  });

export async function waitForPhase(page: Page, phases: string[], timeout: number): Promise<PageState> {
  await page.waitForFunction((p) => p.includes((window as unknown as { __demo: PageState }).__demo.phase), phases, { timeout });
  return demoState(page);
}

/** Drags on the drawing canvas from (fx0, fy0) to (fx1, fy1), fractions of its displayed size. */
export async function drag(page: Page, [fx0, fy0]: [number, number], [fx1, fy1]: [number, number]): Promise<void> {
  const stage = (await page.locator('#draw-canvas').boundingBox())!;
  await page.mouse.move(stage.x + stage.width * fx0, stage.y + stage.height * fy0);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * fx1, stage.y + stage.height * fy1, { steps: 8 });
  await page.mouse.up();
}
