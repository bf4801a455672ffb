/**
 * What is drawn over the image (canvas pixels = original-image pixels): the model's visual-token grid
 * and centre crop (the part outside the crop is dimmed: the model never sees it), the cells the regions
 * weigh (hard prompts: cells inside; soft prompts: weight ≥ half the peak), the regions themselves, and
 * the keyboard cursor. `drawPrompt` also outlines the regions on the heatmaps.
 */
import { processedToOriginal, visibleOriginalRect, type PreprocessGeometry } from '../../src/io/clip-preprocess-geometry.js';
import type { VisualPrompt } from '../../src/index.js';

const FILL = 'rgba(52, 211, 153, 0.35)';
const STROKE = 'rgba(52, 211, 153, 0.95)';

export interface OverlayGrid {
  grid: number;
  geometry: PreprocessGeometry;
  /** Per-cell union of the regions' weights scaled to peak 1 (null when no region is drawn or it is refused). */
  cells: Float32Array | null;
}

export interface OverlayState {
  width: number;
  height: number;
  grid: OverlayGrid | null;
  regions: VisualPrompt[];
  cursor: [number, number] | null;
}

export function drawOverlay(ctx: CanvasRenderingContext2D, s: OverlayState): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const line = Math.max(1, s.width / 256);
  if (s.grid) drawGrid(ctx, s.grid, s.width, s.height, line);
  for (const r of s.regions) drawPrompt(ctx, r, line);
  if (s.cursor) {
    const [x, y] = s.cursor;
    ctx.save();
    ctx.strokeStyle = '#fbbf24';
    ctx.lineWidth = line;
    ctx.beginPath();
    ctx.moveTo(x + 0.5 - 4 * line, y + 0.5);
    ctx.lineTo(x + 0.5 + 4 * line, y + 0.5);
    ctx.moveTo(x + 0.5, y + 0.5 - 4 * line);
    ctx.lineTo(x + 0.5, y + 0.5 + 4 * line);
    ctx.stroke();
    ctx.restore();
  }
}

/** Cell k of the grid as an original-image rectangle [x0, y0, x1, y1]. */
export function cellRect(g: PreprocessGeometry, grid: number, k: number): [number, number, number, number] {
  const cell = g.size / grid;
  const [r, c] = [Math.floor(k / grid), k % grid];
  const a = processedToOriginal(g, c * cell, r * cell);
  const b = processedToOriginal(g, (c + 1) * cell, (r + 1) * cell);
  return [a.x, a.y, b.x, b.y];
}

function drawGrid(ctx: CanvasRenderingContext2D, o: OverlayGrid, W: number, H: number, line: number): void {
  const g = o.geometry;
  const v = visibleOriginalRect(g);
  ctx.save();
  // dim what the centre crop removes
  ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
  ctx.fillRect(0, 0, W, v.y0);
  ctx.fillRect(0, v.y1, W, H - v.y1);
  ctx.fillRect(0, v.y0, v.x0, v.y1 - v.y0);
  ctx.fillRect(v.x1, v.y0, W - v.x1, v.y1 - v.y0);
  if (o.cells) {
    ctx.fillStyle = 'rgba(96, 165, 250, 0.28)';
    o.cells.forEach((w, k) => {
      if (w < 0.5) return;
      const [x0, y0, x1, y1] = cellRect(g, o.grid, k);
      ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    });
  }
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.22)';
  ctx.lineWidth = Math.max(0.5, line / 2);
  ctx.beginPath();
  for (let i = 0; i <= o.grid; i++) {
    const p = processedToOriginal(g, (i * g.size) / o.grid, (i * g.size) / o.grid);
    ctx.moveTo(p.x, v.y0);
    ctx.lineTo(p.x, v.y1);
    ctx.moveTo(v.x0, p.y);
    ctx.lineTo(v.x1, p.y);
  }
  ctx.stroke();
  ctx.setLineDash([4 * line, 3 * line]);
  ctx.strokeStyle = 'rgba(251, 191, 36, 0.9)';
  ctx.lineWidth = line;
  ctx.strokeRect(v.x0 + line / 2, v.y0 + line / 2, v.x1 - v.x0 - line, v.y1 - v.y0 - line);
  ctx.restore();
}

/** Draws a prompt on a canvas whose pixels are original-image pixels; `fill: false` outlines only. */
export function drawPrompt(ctx: CanvasRenderingContext2D, p: VisualPrompt, line: number, opts: { fill?: boolean } = {}): void {
  const fill = opts.fill !== false;
  ctx.save();
  ctx.fillStyle = fill ? FILL : 'rgba(0, 0, 0, 0)';
  ctx.strokeStyle = STROKE;
  ctx.lineWidth = line;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  if (p.type === 'box') {
    const [x, y, w, h] = p.box;
    ctx.fillRect(x, y, w, h);
    ctx.strokeRect(x + line / 2, y + line / 2, Math.max(0, w - line), Math.max(0, h - line));
  } else if (p.type === 'mask') {
    drawMask(ctx, p, fill);
  } else if (p.type === 'scribble') {
    ctx.lineWidth = 2 * line;
    ctx.beginPath();
    p.points.forEach(([x, y], i) => (i ? ctx.lineTo(x + 0.5, y + 0.5) : ctx.moveTo(x + 0.5, y + 0.5)));
    if (p.points.length === 1) ctx.lineTo(p.points[0][0] + 0.6, p.points[0][1] + 0.5);
    ctx.stroke();
  } else {
    const [x, y] = p.point;
    ctx.beginPath();
    ctx.arc(x + 0.5, y + 0.5, 3 * line, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

/** A mask filled, or (fill false) only its outline: mask pixels with a 4-neighbour outside the mask. */
function drawMask(ctx: CanvasRenderingContext2D, p: Extract<VisualPrompt, { type: 'mask' }>, fill: boolean): void {
  const { width: W, height: H, data } = p;
  const img = ctx.createImageData(W, H);
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < W && y < H && data[y * W + x] !== 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!on(x, y)) continue;
      const edge = !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
      if (edge) img.data.set([52, 211, 153, 255], 4 * (y * W + x));
      else if (fill) img.data.set([52, 211, 153, 110], 4 * (y * W + x));
    }
  }
  const tmp = document.createElement('canvas');
  [tmp.width, tmp.height] = [W, H];
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.drawImage(tmp, 0, 0);
}
