// Takes the README's screenshots of the web demo on the bundled default model, at desktop width
// (web/screenshot.png, 1360 px) and phone width (web/screenshot-phone.png, 390 px): opens the page, lets
// it load weights/default on the wasm backend (its demo.json fills the sample, question and tuned options), drags demo.json's box
// over the sample, runs, and saves the picture.   node scripts/web-screenshot.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const server = spawn(process.execPath, ['scripts/serve-web.mjs', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /serving (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
});
const dir = mkdtempSync(path.join(tmpdir(), 'shot-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1360, height: 980 },
});
async function shoot(width, height, file) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height });
  page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
  await page.goto(`${base}?model=default&backend=wasm`); // a fixed backend: auto's probe varies with the machine's load
  await page.waitForFunction(() => window.__demo.phase === 'ready', null, { timeout: 60_000 });
  const demo = JSON.parse(readFileSync('weights/default/demo.json', 'utf8'));
  const stage = await page.locator('#draw-canvas').boundingBox();
  const side = readFileSync(path.join('weights/default', demo.image)).readUInt32BE(16); // the PNG's width (IHDR)
  const scale = stage.width / side;
  const [x, y, w, h] = demo.box;
  await page.mouse.move(stage.x + x * scale, stage.y + y * scale);
  await page.mouse.down();
  await page.mouse.move(stage.x + (x + w) * scale, stage.y + (y + h) * scale, { steps: 8 });
  await page.mouse.up();
  await page.click('#run');
  await page.waitForFunction(() => ['done', 'error'].includes(window.__demo.phase), null, { timeout: 60_000 });
  const s = await page.evaluate(() => ({ phase: window.__demo.phase, error: window.__demo.error, b: document.getElementById('baseline').textContent, c: document.getElementById('controlled').textContent }));
  console.log(file, s);
  await page.screenshot({ path: file, fullPage: true });
  await page.close();
}
try {
  await shoot(1360, 980, 'web/screenshot.png');
  await shoot(390, 844, 'web/screenshot-phone.png');
} finally {
  await ctx.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
