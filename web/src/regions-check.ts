/**
 * The drawn regions on the model's token grid, while drawing: the cells they weigh (shown on the
 * overlay) or, for a region the model cannot see (outside the centre crop, or between cell centres),
 * the refusal shown before Run — the same RegionError the worker would raise.
 */
import { RegionError, regionWeights, type VisualPrompt } from '../../src/index.js';
import type { RegionDrawer, Tool } from './draw.js';

const HINTS: Record<Tool, string> = {
  box: 'Drag a box on the image (keyboard: focus the image, Enter, then arrows; Shift+arrows resize).',
  mask: 'Paint the region with the brush (keyboard: arrows + Space).',
  scribble: 'Draw a stroke over the object (keyboard: arrows + Space, Enter ends the stroke).',
  point: 'Click on the object (keyboard: arrows + Enter).',
};

function describe(p: VisualPrompt): string {
  if (p.type === 'box') return `box x=${p.box[0]} y=${p.box[1]} w=${p.box[2]} h=${p.box[3]}`;
  if (p.type === 'mask') return `mask: ${p.data.reduce((n, v) => n + (v ? 1 : 0), 0)} pixels`;
  if (p.type === 'scribble') return `scribble: ${p.points.length} points`;
  return `point (${p.point[0]}, ${p.point[1]})`;
}

/** Updates the drawer's covered cells and redraws; returns the status line and the refusal, if any. */
export function mapRegions(drawer: RegionDrawer, regions: VisualPrompt[]): { refusal: string | null; text: string } {
  const grid = drawer.grid;
  let refusal: string | null = null;
  if (grid) grid.cells = null;
  if (grid && regions.length) {
    try {
      const cells = new Float32Array(grid.grid * grid.grid);
      for (const r of regions) {
        const w = regionWeights(r, grid.geometry, grid.grid).weights;
        const peak = w.reduce((m, v) => Math.max(m, v), 0);
        w.forEach((v, i) => (cells[i] = Math.max(cells[i], v / peak)));
      }
      grid.cells = cells;
    } catch (e) {
      if (!(e instanceof RegionError)) throw e;
      refusal = `Cannot use this region: ${e.message}. Draw inside the dashed square, over at least one token centre.`;
    }
  }
  drawer.render();
  const n = regions.length;
  const text = refusal ?? (n ? `${n} region${n > 1 ? 's' : ''} (image pixels): ${regions.map(describe).join('; ')}` : HINTS[drawer.tool]);
  return { refusal, text };
}
