/**
 * Drawing a visual prompt over the image: box (drag), mask (brush), scribble (freehand stroke) or
 * point (click). The overlay canvas has the image's own pixel size, so pointer positions map to
 * original-image pixels by one scale per axis; the prompt is produced in those pixels, as
 * regionWeights expects.
 */
import type { VisualPrompt } from '../../src/index.js';

export type Tool = 'box' | 'mask' | 'scribble' | 'point';

const FILL = 'rgba(52, 211, 153, 0.35)';
const STROKE = 'rgba(52, 211, 153, 0.95)';

export class RegionDrawer {
  tool: Tool = 'box';
  /** Brush radius in original-image pixels. */
  brush = 8;
  private width = 0;
  private height = 0;
  private box: [number, number, number, number] | null = null; // x0, y0, x1, y1 (unordered while dragging)
  private mask: Uint8Array | null = null;
  private scribble: Array<[number, number]> = [];
  private point: [number, number] | null = null;
  private dragging = false;
  private last: [number, number] | null = null;
  /** Called whenever the prompt changes (null: nothing drawn). */
  onChange: (p: VisualPrompt | null) => void = () => {};

  constructor(private readonly canvas: HTMLCanvasElement) {
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  /** A new image: resizes the overlay and forgets what was drawn. */
  reset(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.canvas.width = width;
    this.canvas.height = height;
    this.clear();
  }

  setTool(tool: Tool): void {
    this.tool = tool;
    this.clear();
  }

  clear(): void {
    this.box = null;
    this.mask = null;
    this.scribble = [];
    this.point = null;
    this.render();
    this.onChange(null);
  }

  /** The current prompt in original-image pixels, or null when nothing usable is drawn. */
  prompt(): VisualPrompt | null {
    switch (this.tool) {
      case 'box': {
        if (!this.box) return null;
        const [a, b, c, d] = this.box;
        const x0 = Math.floor(Math.min(a, c)), y0 = Math.floor(Math.min(b, d));
        const x1 = Math.ceil(Math.max(a, c)), y1 = Math.ceil(Math.max(b, d));
        return x1 - x0 >= 1 && y1 - y0 >= 1 ? { type: 'box', box: [x0, y0, x1 - x0, y1 - y0], format: 'xywh' } : null;
      }
      case 'mask':
        return this.mask && this.mask.some((v) => v) ? { type: 'mask', width: this.width, height: this.height, data: this.mask.slice() } : null;
      case 'scribble':
        return this.scribble.length ? { type: 'scribble', points: this.scribble.map(([x, y]) => [x, y] as [number, number]) } : null;
      case 'point':
        return this.point ? { type: 'point', point: this.point } : null;
    }
  }

  /** Pointer position in original-image pixels, clamped inside the image; whole pixels for points and strokes. */
  private at(e: PointerEvent, whole: boolean): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const x = Math.min(this.width, Math.max(0, ((e.clientX - r.left) * this.width) / r.width));
    const y = Math.min(this.height, Math.max(0, ((e.clientY - r.top) * this.height) / r.height));
    return whole ? [Math.min(this.width - 1, Math.floor(x)), Math.min(this.height - 1, Math.floor(y))] : [x, y];
  }

  private down(e: PointerEvent): void {
    if (!this.width) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.dragging = true;
    if (this.tool === 'box') {
      const [x, y] = this.at(e, false);
      this.box = [x, y, x, y];
    } else if (this.tool === 'mask') {
      this.mask ??= new Uint8Array(this.width * this.height);
      this.last = this.at(e, true);
      this.paint(this.last, this.last);
    } else if (this.tool === 'scribble') {
      this.scribble = [this.at(e, true)];
    } else {
      this.point = this.at(e, true);
      this.dragging = false;
    }
    this.render();
    if (this.tool === 'point') this.onChange(this.prompt());
  }

  private move(e: PointerEvent): void {
    if (!this.dragging) return;
    if (this.tool === 'box' && this.box) {
      const [x, y] = this.at(e, false);
      this.box = [this.box[0], this.box[1], x, y];
    } else if (this.tool === 'mask') {
      const p = this.at(e, true);
      this.paint(this.last ?? p, p);
      this.last = p;
    } else if (this.tool === 'scribble') {
      const p = this.at(e, true);
      const q = this.scribble[this.scribble.length - 1];
      if (!q || q[0] !== p[0] || q[1] !== p[1]) this.scribble.push(p);
    }
    this.render();
  }

  private up(e: PointerEvent): void {
    if (!this.dragging) return;
    this.move(e);
    this.dragging = false;
    this.last = null;
    this.onChange(this.prompt());
  }

  /** Paints the brush disc along the segment p → q into the mask. */
  private paint(p: [number, number], q: [number, number]): void {
    const mask = this.mask!;
    const r = this.brush;
    const n = Math.max(1, Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1])));
    for (let s = 0; s <= n; s++) {
      const cx = p[0] + ((q[0] - p[0]) * s) / n, cy = p[1] + ((q[1] - p[1]) * s) / n;
      for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(this.height - 1, Math.ceil(cy + r)); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(this.width - 1, Math.ceil(cx + r)); x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * this.width + x] = 1;
        }
      }
    }
  }

  private render(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    drawPrompt(ctx, this.prompt() ?? this.pending(), Math.max(1, this.width / 256));
  }

  /** While a box is being dragged it may still be empty; draw it anyway. */
  private pending(): VisualPrompt | null {
    if (this.tool !== 'box' || !this.box) return null;
    const [a, b, c, d] = this.box;
    return { type: 'box', box: [Math.min(a, c), Math.min(b, d), Math.abs(c - a), Math.abs(d - b)], format: 'xywh' };
  }
}

/** Draws a prompt on a canvas whose pixels are original-image pixels (the overlay, or a heatmap). */
export function drawPrompt(ctx: CanvasRenderingContext2D, p: VisualPrompt | null, line: number, opts: { fill?: boolean } = {}): void {
  if (!p) return;
  ctx.save();
  ctx.fillStyle = opts.fill === false ? 'rgba(0, 0, 0, 0)' : FILL;
  ctx.strokeStyle = STROKE;
  ctx.lineWidth = line;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  if (p.type === 'box') {
    const [x, y, w, h] = p.box;
    ctx.fillRect(x, y, w, h);
    ctx.strokeRect(x + line / 2, y + line / 2, Math.max(0, w - line), Math.max(0, h - line));
  } else if (p.type === 'mask') {
    if (opts.fill === false) {
      ctx.restore();
      return;
    }
    const img = ctx.createImageData(p.width, p.height);
    for (let i = 0; i < p.data.length; i++) {
      if (!p.data[i]) continue;
      img.data.set([52, 211, 153, 110], 4 * i);
    }
    const tmp = document.createElement('canvas');
    tmp.width = p.width;
    tmp.height = p.height;
    tmp.getContext('2d')!.putImageData(img, 0, 0);
    ctx.drawImage(tmp, 0, 0);
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
