/**
 * The results area: both answers, the energy plot, the heatmaps (regions outlined, one colour legend),
 * the in-region figure and the timings; `clearResults` empties all of it (a new run, or an error, never
 * leaves the previous run's pictures beside new answers).
 */
import { colorMap, type RgbImage, type VisualPrompt } from '../../src/index.js';
import { drawRgb } from './image-decode.js';
import { drawPrompt } from './overlay.js';
import { plotEnergy } from './plot.js';
import type { DemoResult } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const energySvg = () => $('energy') as unknown as SVGSVGElement;

export function clearResults(answerText = '—'): void {
  $('baseline').textContent = answerText;
  $('controlled').textContent = answerText;
  $('ratio').textContent = '';
  $('timings').textContent = '';
  plotEnergy(energySvg(), [], 0);
  for (const id of ['heat-before', 'heat-after']) {
    const c = $<HTMLCanvasElement>(id);
    c.width = c.height = 0;
  }
  $('legend').hidden = true;
}

/** The energy plot as steps arrive. */
export function plotSteps(losses: readonly number[], totalSteps: number): void {
  plotEnergy(energySvg(), losses, totalSteps);
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** "inside the regions 12.3% → 45.6%", saying when the share is weighted by a soft prompt. */
export function insideText(r: Pick<DemoResult, 'insideRatio' | 'soft'>, regions: number): string {
  const where = regions > 1 ? 'the regions' : 'the region';
  const how = r.soft ? ' (weighted by the soft prompt: each token counts by its Gaussian weight, peak 1)' : '';
  return `· attention inside ${where} ${pct(r.insideRatio.before)} → ${pct(r.insideRatio.after)}${how}`;
}

function showHeatmap(id: string, img: RgbImage, regions: readonly VisualPrompt[]): void {
  const canvas = $<HTMLCanvasElement>(id);
  drawRgb(canvas, img);
  const ctx = canvas.getContext('2d')!;
  for (const r of regions) drawPrompt(ctx, r, Math.max(1, img.width / 200), { fill: false });
}

function showLegend(max: number): void {
  const bar = $<HTMLCanvasElement>('legend-bar');
  const ctx = bar.getContext('2d')!;
  const ramp = colorMap('inferno');
  const row = ctx.createImageData(bar.width, 1);
  for (let x = 0; x < bar.width; x++) {
    const [r, g, b] = ramp(x / (bar.width - 1));
    row.data.set([r * 255, g * 255, b * 255, 255], 4 * x);
  }
  ctx.putImageData(row, 0, 0);
  $('legend-max').textContent = max.toPrecision(3);
  $('legend').hidden = false;
}

export function showResult(r: DemoResult, regions: readonly VisualPrompt[]): void {
  $('baseline').textContent = r.baseline.text || '(empty answer)';
  $('controlled').textContent = r.controlled.text || '(empty answer)';
  plotEnergy(energySvg(), r.losses, r.losses.length);
  $('ratio').textContent = insideText(r, regions.length);
  showHeatmap('heat-before', r.heatmaps.before, regions);
  showHeatmap('heat-after', r.heatmaps.after, regions);
  showLegend(r.scale.max);
  const t = r.timings;
  $('timings').textContent =
    `${r.method} · ${r.steps} steps (${r.stop}) · backend ${r.backend} · encode ${t.encode.toFixed(2)} s, baseline ${t.baseline.toFixed(2)} s, ` +
    `optimise ${t.optimize.toFixed(2)} s, controlled ${t.controlled.toFixed(2)} s, total ${t.total.toFixed(2)} s` +
    (r.warnings.length ? ` · warnings: ${r.warnings.join('; ')}` : '');
}
