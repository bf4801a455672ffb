/**
 * The demo page's controls in headless Chromium (tiny test model, reference backend unless said):
 * the grid/crop overlay and the refusal before Run, results cleared on error, Stop, option validation,
 * keyboard drawing and accessible names, several regions (Undo), heatmap outlines + legend + axis names,
 * the loading bar, and a 390 px wide layout. Screenshots at desktop and phone width go to test-output/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { encodePng } from '../../src/node.js';
import { drag, root, useWebPage, waitForPhase } from '../helpers/web-page.js';

const web = useWebPage();
const out = path.join(root, 'test-output');
mkdirSync(out, { recursive: true });

async function ready(query = '?model=tiny&backend=cpu', viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const opened = await web.open(query, { viewport });
  const s = await waitForPhase(opened.page, ['ready', 'error'], 30_000);
  expect(s.error).toBeNull();
  return opened;
}

const text = (page: Page, sel: string) => page.locator(sel).textContent();
const runDisabled = (page: Page) => page.locator('#run').isDisabled();

/** RGBA of the pixel (x, y) of a canvas, in its own pixels. */
const pixel = (page: Page, id: string, x: number, y: number) =>
  page.evaluate(([id, x, y]) => Array.from((document.getElementById(id as string) as HTMLCanvasElement).getContext('2d')!.getImageData(x as number, y as number, 1, 1).data), [id, x, y] as const);

async function runAndWait(page: Page): Promise<void> {
  await page.click('#run');
  const s = await waitForPhase(page, ['done', 'error'], 45_000);
  expect(s.error).toBeNull();
}

describe('the demo page', () => {
  it('shows the token grid and centre crop while drawing, and refuses an unseen region before Run', async () => {
    const { page, errors } = await ready();
    // shapes-1.png is 160×160, the tiny model 5×5 tokens: the crop keeps everything, a dashed edge marks it.
    const edge = await page.evaluate(() => {
      const c = document.getElementById('draw-canvas') as HTMLCanvasElement;
      const px = c.getContext('2d')!.getImageData(0, 0, 1, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] > 200 && px[i + 1] > 150 && px[i + 2] < 100) n++;
      return n / c.height;
    });
    expect(edge).toBeGreaterThan(0.4); // yellow dashes along the left edge
    // A 6-px box between token centres (at 16 + 32k) covers none: refused now, Run stays off.
    await drag(page, [20 / 160, 20 / 160], [26 / 160, 26 / 160]);
    await expect(text(page, '#region-status')).resolves.toMatch(/^Cannot use this region: box \[20, 20, 6, 6\] covers no visual token of the 5×5 grid/);
    expect(await page.locator('#region-status').getAttribute('class')).toContain('error');
    expect(await runDisabled(page)).toBe(true);
    // A non-square upload (240×160): the centre crop drops 40 px each side, dimmed on the overlay.
    const wide = encodePng({ width: 240, height: 160, data: new Uint8Array(240 * 160 * 3).fill(90) });
    await page.setInputFiles('#image-input', { name: 'wide.png', mimeType: 'image/png', buffer: Buffer.from(wide) });
    await page.waitForFunction(() => (document.getElementById('draw-canvas') as HTMLCanvasElement).width === 240);
    const [dim, kept] = [await pixel(page, 'draw-canvas', 10, 80), await pixel(page, 'draw-canvas', 150, 112)];
    expect(dim[3]).toBeGreaterThan(100); // outside the crop: dimmed
    expect(kept[3]).toBe(0); // inside, away from grid lines and the keyboard cursor: clear
    await drag(page, [2 / 240, 10 / 160], [30 / 240, 150 / 160]);
    await expect(text(page, '#region-status')).resolves.toContain('removed by the centre crop');
    expect(await runDisabled(page)).toBe(true);
    await drag(page, [100 / 240, 40 / 160], [180 / 240, 120 / 160]);
    await expect(text(page, '#region-status')).resolves.toMatch(/^2 regions|^Cannot use/);
    await page.click('#undo');
    await page.click('#undo');
    await drag(page, [100 / 240, 40 / 160], [180 / 240, 120 / 160]);
    await expect(text(page, '#region-status')).resolves.toMatch(/^1 region \(image pixels\): box x=100 y=40/);
    expect(await runDisabled(page)).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('validates every option with its range and keeps Run off until they are valid', async () => {
    const { page } = await ready();
    await drag(page, [0.08, 0.1], [0.5, 0.52]);
    await page.click('summary');
    const cases: Array<[string, string, string]> = [
      ['#opt-steps', '100', "steps must be a whole number from 1 to 20, got '100'"],
      ['#opt-steps', '-3', "steps must be a whole number from 1 to 20, got '-3'"],
      ['#opt-steps', '0', "steps must be a whole number from 1 to 20, got '0'"],
      ['#opt-alpha', '-5', "α must be a number from 1 to 10000, got '-5'"],
      ['#opt-alpha', '', 'α must be a number from 1 to 10000'],
      ['#opt-lr', 'fast', "learning rate must be a number above 0 and at most 10 (or empty for the method's default), got 'fast'"],
      ['#opt-layers', 'abc', "layers must be 'all', 'last', a layer, a range a-b or a comma list of those, got 'abc'"],
      ['#opt-layers', '7', 'layer 7 is out of range for a decoder of 2 layers'],
    ];
    const good: Record<string, string> = { '#opt-steps': '2', '#opt-alpha': '400', '#opt-lr': '', '#opt-layers': '0-1' };
    for (const [sel, value, message] of cases) {
      await page.fill(sel, value);
      await expect(text(page, `${sel}-error`)).resolves.toBe(message);
      expect(await page.locator(sel).getAttribute('aria-invalid')).toBe('true');
      expect(await runDisabled(page)).toBe(true);
      await page.fill(sel, good[sel]);
      await expect(text(page, `${sel}-error`)).resolves.toBe('');
    }
    expect(await runDisabled(page)).toBe(false);
    expect(await page.locator('label', { hasText: 'steps (1–20)' }).count()).toBe(1);
    await page.close();
  }, 60_000);

  it('keyboard: tools with pressed states, a box moved and resized with arrows, a point placed; labelled controls', async () => {
    const { page } = await ready();
    expect(await page.locator('button[data-tool=box]').getAttribute('aria-pressed')).toBe('true');
    await page.focus('#draw-canvas');
    await page.keyboard.press('Enter'); // a 40-px box at the centre of the 160-px image
    await expect(text(page, '#region-status')).resolves.toBe('1 region (image pixels): box x=60 y=60 w=40 h=40');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await expect(text(page, '#region-status')).resolves.toBe('1 region (image pixels): box x=65 y=59 w=50 h=50');
    // Point tool from the keyboard: Tab to it, Enter, back to the image, arrows, Enter.
    await page.focus('button[data-tool=point]');
    await page.keyboard.press('Enter');
    expect(await page.locator('button[data-tool=point]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('button[data-tool=box]').getAttribute('aria-pressed')).toBe('false');
    await page.focus('#draw-canvas');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Enter');
    await expect(text(page, '#region-status')).resolves.toBe('2 regions (image pixels): box x=65 y=59 w=50 h=50; point (50, 80)');
    // Accessible names and a live status; Upload reachable with Tab.
    expect(await page.getByLabel('Question').count()).toBe(1);
    expect(await page.locator('#progress').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#region-status').getAttribute('aria-live')).toBe('polite');
    await page.focus('#image-input');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('image-input');
    await page.close();
  }, 60_000);

  it('several regions, outlined on the heatmaps with a colour legend; energy plot with axis names; error clears the results', async () => {
    const { page, errors } = await ready();
    await page.click('button[data-tool=mask]');
    await drag(page, [0.2, 0.25], [0.3, 0.3]);
    await page.click('button[data-tool=box]');
    await drag(page, [0.62, 0.2], [0.9, 0.45]);
    await expect(text(page, '#region-status')).resolves.toMatch(/^2 regions \(image pixels\): mask: \d+ pixels; box x=/);
    await page.click('summary');
    await page.fill('#opt-steps', '2');
    await runAndWait(page);
    const r = await page.evaluate(() => {
      const s = (window as unknown as { __demo: { request: { regions: Array<{ type: string; box?: number[] }> }; result: { scale: { max: number } } } }).__demo;
      return { types: s.request.regions.map((x) => x.type), box: s.request.regions[1].box!, max: s.result.scale.max };
    });
    expect(r.types).toEqual(['mask', 'box']);
    // The box outline (green) is drawn on the heatmap at its left edge.
    const [R, G, B] = await pixel(page, 'heat-after', r.box[0], r.box[1] + Math.floor(r.box[3] / 2));
    expect([R < 120, G > 150, B > 100]).toEqual([true, true, true]);
    // The mask's outline: its edge pixels in the region's exact green, around where it was painted (x 32–48, y 40–48).
    const outline = await page.evaluate(() => {
      const px = (document.getElementById('heat-after') as HTMLCanvasElement).getContext('2d')!.getImageData(16, 24, 48, 40).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] === 52 && px[i + 1] === 211 && px[i + 2] === 153) n++;
      return n;
    });
    expect(outline).toBeGreaterThan(20);
    expect(await page.locator('#legend').isVisible()).toBe(true);
    await expect(text(page, '#legend-max')).resolves.toBe(r.max.toPrecision(3));
    await expect(text(page, '#energy')).resolves.toContain('energy α·E');
    await expect(text(page, '#energy')).resolves.toContain('optimisation step');
    await expect(text(page, '#ratio')).resolves.toMatch(/inside the regions [\d.]+% → [\d.]+%$/);
    await page.screenshot({ path: path.join(out, 'web-desktop.png'), fullPage: true });
    // An unreadable upload: the error shows and the previous run's answers and heatmaps go.
    await page.setInputFiles('#image-input', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
    await waitForPhase(page, ['error'], 10_000);
    await expect(text(page, '#progress')).resolves.toMatch(/^broken\.png: /);
    await expect(text(page, '#baseline')).resolves.toBe('—');
    await expect(text(page, '#controlled')).resolves.toBe('—');
    expect(await page.evaluate(() => (document.getElementById('heat-after') as HTMLCanvasElement).width)).toBe(0);
    expect(await page.locator('#legend').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('Stop ends a long run at once, clears it and reloads the model', async () => {
    const { page } = await ready();
    await drag(page, [0.08, 0.1], [0.5, 0.52]);
    await page.click('summary');
    await page.fill('#opt-steps', '20');
    await page.click('#run');
    await page.waitForFunction(() => /optimising: step/.test(document.getElementById('progress')!.textContent ?? ''), null, { timeout: 30_000 });
    expect(await page.locator('#stop').isDisabled()).toBe(false);
    await page.click('#stop');
    await expect(text(page, '#progress')).resolves.toBe('Stopped. Reloading the model in a fresh worker…');
    const s = await waitForPhase(page, ['ready', 'error'], 30_000);
    expect(s.phase).toBe('ready');
    await expect(text(page, '#controlled')).resolves.toBe('—');
    expect(await page.evaluate(() => (window as unknown as { __demo: { result: unknown } }).__demo.result)).toBeNull();
    expect(await page.locator('#stop').isDisabled()).toBe(true);
    await page.close();
  }, 60_000);

  it('loading shows a progress bar driven by the weights received (bundled model)', async () => {
    const { page } = await web.open('?model=default&backend=cpu');
    await expect(text(page, '#progress')).resolves.not.toBe('Load a model to start.');
    await waitForPhase(page, ['ready', 'error'], 30_000);
    const fractions = await page.evaluate(() => (window as unknown as { __demo: { loadProgress: number[] } }).__demo.loadProgress);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(await page.locator('#load-progress').isVisible()).toBe(false);
    await page.close();
  }, 60_000);

  it('fits a 390 px wide phone screen: no sideways scrolling, Run on the first screen', async () => {
    const { page, errors } = await ready('?model=tiny&backend=cpu', { width: 390, height: 844 });
    await drag(page, [0.08, 0.1], [0.5, 0.52]);
    await runAndWait(page);
    const layout = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, run: document.getElementById('run')!.getBoundingClientRect().bottom + window.scrollY }));
    expect(layout.scroll).toBeLessThanOrEqual(390);
    expect(layout.run).toBeLessThanOrEqual(844); // the bottom of Run within the first 390×844 screen
    await page.screenshot({ path: path.join(out, 'web-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
