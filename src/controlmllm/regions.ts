/**
 * Visual prompts → weights on the visual-token grid (24×24 for LLaVA-1.5; any N×N).
 *
 * Each grid cell is point-sampled at its centre, mapped back through the image preprocessing
 * geometry (centre crop or pad-to-square) onto the ORIGINAL image, as the official mask transform
 * does (SPEC-controlmllm §4.2). Box and mask give hard 0/1 weights; scribble and point give the soft
 * Gaussian weights of the spec (§3.2, §4.3): D = Euclidean distance to the stroke normalised by its
 * maximum over the original image, w = exp(−D²/2σ²) / (σ√2π) — σ = 0.1 in v1, 0.4 in ++.
 */
import { processedToOriginal, type PreprocessGeometry } from '../io/clip-preprocess-geometry.js';
import { distanceTransform } from './distance.js';

export type VisualPrompt =
  /** COCO [x, y, w, h] (the official format) or [x1, y1, x2, y2], in original-image pixels. */
  | { type: 'box'; box: readonly [number, number, number, number]; format?: 'xywh' | 'xyxy' }
  /** A W×H mask of the original image; nonzero = inside. */
  | { type: 'mask'; width: number; height: number; data: Uint8Array }
  /** Points in original pixels; `connect` (default true) draws the polyline between them. */
  | { type: 'scribble'; points: ReadonlyArray<readonly [number, number]>; connect?: boolean }
  | { type: 'point'; point: readonly [number, number] };

export interface RegionWeights {
  /** Grid side N. */
  grid: number;
  /** [N·N] row-major: cell k = N·row + col, the order of the visual tokens. */
  weights: Float32Array;
  soft: boolean;
  /** Soft prompts: the normalised distance D ∈ [0, 1] sampled per cell. */
  distance?: Float32Array;
}

export class RegionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegionError';
  }
}

/** Cell centres of an N×N grid over the processed square, in original-image coordinates. */
function cellSamples(g: PreprocessGeometry, grid: number): Array<{ x: number; y: number }> {
  const cell = g.size / grid;
  const out = [];
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) out.push(processedToOriginal(g, (c + 0.5) * cell, (r + 0.5) * cell));
  return out;
}

const describe = (p: VisualPrompt) =>
  p.type === 'box' ? `box [${p.box.join(', ')}]` : p.type === 'point' ? `point (${p.point.join(', ')})` : p.type;

export function regionWeights(prompt: VisualPrompt, g: PreprocessGeometry, grid: number, sigma = 0.1): RegionWeights {
  const samples = cellSamples(g, grid);
  const [W, H] = [g.originalWidth, g.originalHeight];
  const pixel = (s: { x: number; y: number }) => ({ px: Math.floor(s.x), py: Math.floor(s.y) });
  const inImage = (px: number, py: number) => px >= 0 && py >= 0 && px < W && py < H;
  if (prompt.type === 'box' || prompt.type === 'mask') {
    const inside = hardInside(prompt, W, H);
    const weights = Float32Array.from(samples, (s) => {
      const { px, py } = pixel(s);
      return inImage(px, py) && inside(px, py) ? 1 : 0;
    });
    if (!weights.some((w) => w > 0)) {
      throw new RegionError(
        `${describe(prompt)} covers no visual token of the ${grid}×${grid} grid (image ${W}×${H}; the region may lie in the part removed by the centre crop, or be smaller than one cell)`,
      );
    }
    return { grid, weights, soft: false };
  }
  const stroke = rasterStroke(prompt, W, H);
  const dist = distanceTransform(stroke, W, H);
  let max = 0;
  for (const d of dist) if (d > max) max = d;
  const strokePixels: Array<[number, number]> = [];
  stroke.forEach((s, i) => s && strokePixels.push([i % W, Math.floor(i / W)]));
  const distance = Float32Array.from(samples, (s) => {
    const { px, py } = pixel(s);
    // Inside the image: the transform's value at the sampled pixel. Outside (pad): exact distance.
    const d = inImage(px, py) ? dist[py * W + px] : strokePixels.reduce((m, [x, y]) => Math.min(m, Math.hypot(x - px, y - py)), Infinity);
    return max > 0 ? d / max : 0;
  });
  const peak = 1 / (Math.sqrt(2 * Math.PI) * sigma);
  const weights = distance.map((d) => peak * Math.exp(-(d * d) / (2 * sigma * sigma)));
  return { grid, weights, soft: true, distance };
}

/** Pixel membership for hard prompts (the official code's integer box: [int(x), int(x+w)) ). */
function hardInside(prompt: Extract<VisualPrompt, { type: 'box' | 'mask' }>, W: number, H: number) {
  if (prompt.type === 'mask') {
    if (prompt.width !== W || prompt.height !== H) {
      throw new RegionError(`mask is ${prompt.width}×${prompt.height} but the image is ${W}×${H}`);
    }
    if (prompt.data.length !== W * H) {
      throw new RegionError(`mask data has ${prompt.data.length} values, expected ${W}×${H} = ${W * H} (one per pixel)`);
    }
    return (px: number, py: number) => prompt.data[py * W + px] !== 0;
  }
  const [a, b, c, d] = prompt.box;
  const [x1, y1, x2, y2] = prompt.format === 'xyxy' ? [a, b, c, d] : [a, b, a + c, b + d];
  if (![a, b, c, d].every(Number.isFinite) || x2 <= x1 || y2 <= y1) {
    throw new RegionError(`box [${prompt.box.join(', ')}] (${prompt.format ?? 'xywh'}) is empty or not finite`);
  }
  const [bx1, by1, bx2, by2] = [Math.trunc(x1), Math.trunc(y1), Math.trunc(x2), Math.trunc(y2)];
  return (px: number, py: number) => px >= bx1 && px < bx2 && py >= by1 && py < by2;
}

/** Stroke pixels (1) of a scribble or point on a W×H canvas; points outside the image are an error. */
function rasterStroke(prompt: Extract<VisualPrompt, { type: 'scribble' | 'point' }>, W: number, H: number): Uint8Array {
  const points = prompt.type === 'point' ? [prompt.point] : prompt.points;
  if (points.length === 0) throw new RegionError('scribble has no points');
  const canvas = new Uint8Array(W * H);
  const put = (x: number, y: number) => {
    const [px, py] = [Math.trunc(x), Math.trunc(y)];
    if (px < 0 || py < 0 || px >= W || py >= H) {
      throw new RegionError(`${prompt.type} point (${x}, ${y}) is outside the ${W}×${H} image`);
    }
    canvas[py * W + px] = 1;
  };
  points.forEach(([x, y]) => put(x, y));
  if (prompt.type === 'scribble' && prompt.connect !== false) {
    for (let i = 1; i < points.length; i++) {
      const [[x0, y0], [x1, y1]] = [points[i - 1], points[i]];
      const steps = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
      for (let s = 1; s < steps; s++) put(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
    }
  }
  return canvas;
}
