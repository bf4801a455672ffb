/**
 * Drawing visual prompts over the image, with the mouse, a finger or the keyboard. The overlay canvas
 * has the image's own pixel size, so pointer positions map to original-image pixels by one scale per
 * axis; prompts are produced in those pixels, as regionWeights expects.
 *
 * Several regions at once (as the CLI's repeated --box): each box drag, stroke or point click adds a
 * region; a mask is one region that every brush stroke adds to; switching tools keeps what is drawn;
 * Undo drops the last region, Clear all of them.
 *
 * Keyboard (the canvas is focusable): arrows move the cursor (Shift: 10 px). Box: Enter adds a box at
 * the cursor; arrows then move it and Shift+arrows resize it. Point: Enter places a point. Mask:
 * Space paints at the cursor. Scribble: Space adds the cursor to the stroke, Enter ends it.
 */
import type { VisualPrompt } from '../../src/index.js';
import { drawOverlay, type OverlayGrid } from './overlay.js';

export type Tool = 'box' | 'mask' | 'scribble' | 'point';
type Box = [number, number, number, number]; // x0, y0, x1, y1 (unordered while dragging)

export class RegionDrawer {
  tool: Tool = 'box';
  /** Brush radius in original-image pixels. */
  brush = 8;
  /** The model's token grid and crop, drawn under the regions (null: no model yet). */
  grid: OverlayGrid | null = null;
  private width = 0;
  private height = 0;
  private regions: VisualPrompt[] = [];
  private box: Box | null = null; // being dragged
  private stroke: Array<[number, number]> | null = null; // scribble being drawn
  private mask: Uint8Array | null = null;
  private cursor: [number, number] = [0, 0];
  private keyboardBox = false; // the last region is a box the arrows move
  private last: [number, number] | null = null;
  /** Called whenever the regions change. */
  onChange: (regions: VisualPrompt[]) => void = () => {};

  constructor(private readonly canvas: HTMLCanvasElement) {
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('keydown', (e) => this.key(e));
    canvas.addEventListener('focus', () => this.render());
    canvas.addEventListener('blur', () => this.render());
  }

  /** A new image: resizes the overlay and forgets what was drawn. */
  reset(width: number, height: number): void {
    [this.width, this.height] = [width, height];
    [this.canvas.width, this.canvas.height] = [width, height];
    this.cursor = [Math.floor(width / 2), Math.floor(height / 2)];
    this.clear();
  }

  setTool(tool: Tool): void {
    this.finishStroke();
    this.tool = tool;
    this.keyboardBox = false;
    this.render();
  }

  clear(): void {
    this.regions = [];
    [this.box, this.stroke, this.mask, this.keyboardBox] = [null, null, null, false];
    this.changed();
  }

  undo(): void {
    const gone = this.regions.pop();
    if (gone?.type === 'mask') this.mask = null;
    this.keyboardBox = false;
    this.changed();
  }

  /** Every region drawn, in original-image pixels (a mask as one region). */
  prompts(): VisualPrompt[] {
    return this.regions.map((r) => (r.type === 'mask' ? { ...r, data: r.data.slice() } : r));
  }

  private changed(): void {
    this.render();
    this.onChange(this.prompts());
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
    this.keyboardBox = false;
    if (this.tool === 'box') {
      const [x, y] = this.at(e, false);
      this.box = [x, y, x, y];
    } else if (this.tool === 'mask') {
      this.last = this.at(e, true);
      this.paint(this.last, this.last);
    } else if (this.tool === 'scribble') {
      this.stroke = [this.at(e, true)];
    } else {
      this.regions.push({ type: 'point', point: this.at(e, true) });
      return this.changed();
    }
    this.render();
  }

  private move(e: PointerEvent): void {
    if (this.tool === 'box' && this.box) {
      const [x, y] = this.at(e, false);
      this.box = [this.box[0], this.box[1], x, y];
    } else if (this.tool === 'mask' && this.last) {
      const p = this.at(e, true);
      this.paint(this.last, p);
      this.last = p;
    } else if (this.tool === 'scribble' && this.stroke) {
      const p = this.at(e, true);
      const q = this.stroke[this.stroke.length - 1];
      if (q[0] !== p[0] || q[1] !== p[1]) this.stroke.push(p);
    } else return;
    this.render();
  }

  private up(e: PointerEvent): void {
    this.move(e);
    if (this.box) {
      const b = boxPrompt(this.box);
      this.box = null;
      if (b) this.regions.push(b);
    }
    this.last = null;
    this.finishStroke();
    this.changed();
  }

  private finishStroke(): void {
    if (this.stroke?.length) this.regions.push({ type: 'scribble', points: this.stroke });
    this.stroke = null;
  }

  private key(e: KeyboardEvent): void {
    if (!this.width) return;
    const step = e.shiftKey ? 10 : 1;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const d = arrows[e.key];
    if (d) {
      e.preventDefault();
      if (this.tool === 'box' && this.keyboardBox) return this.nudgeBox(d, e.shiftKey);
      this.cursor = [clamp(this.cursor[0] + d[0], 0, this.width - 1), clamp(this.cursor[1] + d[1], 0, this.height - 1)];
      return this.render();
    }
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    const [x, y] = this.cursor;
    if (this.tool === 'box' && e.key === 'Enter') {
      const s = Math.max(2, Math.round(Math.min(this.width, this.height) / 4));
      const x0 = clamp(x - s / 2, 0, this.width - s), y0 = clamp(y - s / 2, 0, this.height - s);
      this.regions.push({ type: 'box', box: [Math.round(x0), Math.round(y0), s, s], format: 'xywh' });
      this.keyboardBox = true;
    } else if (this.tool === 'point' && e.key === 'Enter') {
      this.regions.push({ type: 'point', point: [x, y] });
    } else if (this.tool === 'mask' && e.key === ' ') {
      this.paint([x, y], [x, y]);
    } else if (this.tool === 'scribble') {
      if (e.key === ' ') (this.stroke ??= []).push([x, y]);
      else this.finishStroke();
      if (e.key === ' ') return this.render();
    } else return;
    this.changed();
  }

  /** Arrows move the keyboard box, Shift+arrows resize it (width/height by 10 px), inside the image. */
  private nudgeBox([dx, dy]: [number, number], resize: boolean): void {
    const r = this.regions[this.regions.length - 1];
    if (r?.type !== 'box') return;
    let [x, y, w, h] = r.box;
    if (resize) [w, h] = [clamp(w + Math.sign(dx) * 10, 1, this.width - x), clamp(h + Math.sign(dy) * 10, 1, this.height - y)];
    else [x, y] = [clamp(x + dx, 0, this.width - w), clamp(y + dy, 0, this.height - h)];
    this.regions[this.regions.length - 1] = { type: 'box', box: [x, y, w, h], format: 'xywh' };
    this.changed();
  }

  /** Paints the brush disc along the segment p → q into the (one) mask region. */
  private paint(p: [number, number], q: [number, number]): void {
    if (!this.mask) {
      this.mask = new Uint8Array(this.width * this.height);
      this.regions.push({ type: 'mask', width: this.width, height: this.height, data: this.mask });
    }
    const [mask, r] = [this.mask, this.brush];
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

  render(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const pending: VisualPrompt[] = [];
    if (this.box) pending.push({ type: 'box', box: ordered(this.box), format: 'xywh' });
    if (this.stroke?.length) pending.push({ type: 'scribble', points: this.stroke });
    const focused = document.activeElement === this.canvas;
    drawOverlay(ctx, { width: this.width, height: this.height, grid: this.grid, regions: [...this.regions, ...pending], cursor: focused ? this.cursor : null });
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A dragged box as x, y, w, h (may be empty while dragging). */
function ordered([a, b, c, d]: Box): [number, number, number, number] {
  return [Math.min(a, c), Math.min(b, d), Math.abs(c - a), Math.abs(d - b)];
}

/** A finished drag → a box prompt on whole pixels, or null when it is empty. */
function boxPrompt(box: Box): VisualPrompt | null {
  const [a, b, c, d] = box;
  const x0 = Math.floor(Math.min(a, c)), y0 = Math.floor(Math.min(b, d));
  const x1 = Math.ceil(Math.max(a, c)), y1 = Math.ceil(Math.max(b, d));
  return x1 - x0 >= 1 && y1 - y0 >= 1 ? { type: 'box', box: [x0, y0, x1 - x0, y1 - y0], format: 'xywh' } : null;
}
