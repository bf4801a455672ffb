/**
 * A grid of per-patch scores (e.g. 24×24 attention over the image tokens) drawn over the ORIGINAL
 * image: each original pixel centre is mapped through the preprocessing geometry into the processed
 * S×S square, then onto the grid (bilinear between cell centres, or the nearest cell), coloured with a
 * ramp and alpha-blended over the pixel. Pixels that the centre crop threw away are dimmed instead.
 * Pure arithmetic in a fixed order, so the output is deterministic.
 */
import { assertRgbImage, type RgbImage } from './rgb-image.js';
import { originalToProcessed, type PreprocessGeometry } from './clip-preprocess-geometry.js';

// Module-scope aliases: a global lookup per pixel is slow where the code runs in a vm context (jest).
const { abs, floor, max, min, round } = Math;
const isNan = Number.isNaN;

export type ColorMapName = 'jet' | 'inferno';

export interface HeatmapOptions {
  /** Colour ramp (default 'jet'). */
  colormap?: ColorMapName;
  /** Value drawn at the top of the ramp (default: the grid's maximum). */
  max?: number;
  /** Value drawn at the bottom of the ramp (default 0). */
  min?: number;
  /** Weight of the heat colour over the image, 0..1 (default 0.5). */
  opacity?: number;
  /** Bilinear interpolation between cell centres (default true) or nearest cell. */
  smooth?: boolean;
  /** Brightness factor for original pixels outside the processed square (default 0.35). */
  dimOutside?: number;
}

/** MATLAB-style jet: blue → cyan → yellow → red, t in [0, 1] → RGB in [0, 1]. */
function jet(t: number): [number, number, number] {
  const c = (v: number) => min(1, max(0, v));
  return [c(1.5 - abs(4 * t - 3)), c(1.5 - abs(4 * t - 2)), c(1.5 - abs(4 * t - 1))];
}

/** matplotlib's 'inferno' sampled at 10 evenly spaced stops (black → purple → orange → pale yellow). */
const INFERNO_STOPS = [
  0x000004, 0x1b0c42, 0x4b0c6b, 0x781c6d, 0xa52c60, 0xcf4446, 0xed6925, 0xfb9a06, 0xf7d03c, 0xfcffa4,
].map((h) => [(h >> 16) / 255, ((h >> 8) & 255) / 255, (h & 255) / 255]);

function inferno(t: number): [number, number, number] {
  const f = t * (INFERNO_STOPS.length - 1);
  const i = min(INFERNO_STOPS.length - 2, floor(f));
  const u = f - i;
  const a = INFERNO_STOPS[i];
  const b = INFERNO_STOPS[i + 1];
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

const COLOR_MAPS: Record<ColorMapName, (t: number) => [number, number, number]> = { jet, inferno };

/** Grid sampling positions along one axis: fractional cell coordinate per original pixel, or NaN if cropped away. */
function axisSamples(n: number, toProcessed: (v: number) => number, size: number, gridSize: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = toProcessed(i + 0.5);
    out[i] = p >= 0 && p < size ? (p * gridSize) / size - 0.5 : NaN;
  }
  return out;
}

/** Grid value at fractional cell coordinates (cell centres at integers), clamped at the borders. */
function sampleGrid(grid: Float32Array, g: number, gx: number, gy: number, smooth: boolean): number {
  const clampI = (v: number) => min(g - 1, max(0, v));
  if (!smooth) return grid[clampI(round(gy)) * g + clampI(round(gx))];
  const x0 = floor(gx);
  const y0 = floor(gy);
  const fx = gx - x0;
  const fy = gy - y0;
  const xa = clampI(x0);
  const xb = clampI(x0 + 1);
  const ya = clampI(y0);
  const yb = clampI(y0 + 1);
  const top = grid[ya * g + xa] * (1 - fx) + grid[ya * g + xb] * fx;
  const bottom = grid[yb * g + xa] * (1 - fx) + grid[yb * g + xb] * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Blends a gridSize×gridSize score grid (row-major) over `img`, which must be the geometry's original. */
export function heatmapOverlay(
  img: RgbImage,
  grid: Float32Array,
  gridSize: number,
  geometry: PreprocessGeometry,
  opts: HeatmapOptions = {},
): RgbImage {
  assertRgbImage(img, 'heatmapOverlay');
  if (!Number.isInteger(gridSize) || gridSize <= 0 || grid.length !== gridSize * gridSize) {
    throw new Error(`heatmapOverlay: grid has ${grid.length} values, expected gridSize² = ${gridSize}² = ${gridSize * gridSize}`);
  }
  if (img.width !== geometry.originalWidth || img.height !== geometry.originalHeight) {
    throw new Error(
      `heatmapOverlay: image is ${img.width}×${img.height} but the geometry is for ${geometry.originalWidth}×${geometry.originalHeight}`,
    );
  }
  let gridMax = -Infinity;
  for (let i = 0; i < grid.length; i++) {
    if (!Number.isFinite(grid[i])) throw new Error(`heatmapOverlay: grid value ${grid[i]} at cell ${i} is not finite`);
    gridMax = max(gridMax, grid[i]);
  }
  const lo = opts.min ?? 0;
  const hi = opts.max ?? gridMax;
  const opacity = min(1, max(0, opts.opacity ?? 0.5));
  const dim = opts.dimOutside ?? 0.35;
  const ramp = COLOR_MAPS[opts.colormap ?? 'jet'];
  if (!ramp) throw new Error(`heatmapOverlay: unknown colormap ${JSON.stringify(opts.colormap)} (jet, inferno)`);
  const smooth = opts.smooth ?? true;

  const S = geometry.size;
  const xs = axisSamples(img.width, (x) => originalToProcessed(geometry, x, 0).x, S, gridSize);
  const ys = axisSamples(img.height, (y) => originalToProcessed(geometry, 0, y).y, S, gridSize);
  const out = new Uint8Array(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * 3;
      if (isNan(xs[x]) || isNan(ys[y])) {
        for (let c = 0; c < 3; c++) out[p + c] = round(img.data[p + c] * dim);
        continue;
      }
      const v = sampleGrid(grid, gridSize, xs[x], ys[y], smooth);
      const t = hi > lo ? min(1, max(0, (v - lo) / (hi - lo))) : 0;
      const col = ramp(t);
      for (let c = 0; c < 3; c++) out[p + c] = round(img.data[p + c] * (1 - opacity) + col[c] * 255 * opacity);
    }
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * The attention before and after an optimisation, drawn on one shared colour scale (min 0, max over
 * both grids, returned as `max` for a legend) so that brightness compares between the two images.
 */
export function heatmapPair(
  img: RgbImage,
  attention: { grid: number; before: Float32Array; after: Float32Array },
  geometry: PreprocessGeometry,
  opts: Omit<HeatmapOptions, 'min' | 'max'> = {},
): { before: RgbImage; after: RgbImage; max: number } {
  let top = -Infinity;
  for (const a of [attention.before, attention.after]) for (let i = 0; i < a.length; i++) top = max(top, a[i]);
  const draw = (a: Float32Array) => heatmapOverlay(img, a, attention.grid, geometry, { ...opts, min: 0, max: top });
  return { before: draw(attention.before), after: draw(attention.after), max: top };
}

/** A colour map as a function t ∈ [0, 1] → RGB in [0, 1] (for legends drawn next to a heatmap). */
export function colorMap(name: ColorMapName): (t: number) => [number, number, number] {
  return COLOR_MAPS[name];
}
