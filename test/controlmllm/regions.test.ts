/**
 * Prompt → grid with hand-computed expectations.
 * Centre crop: a 400×300 image → resized 448×336 → crop 336 at x = 56. A 24×24 cell is 14 processed
 * px = 12.5 original px, so cell (r, c) samples the original at x = 56.25 + 12.5c, y = 6.25 + 12.5r.
 * Pad: 400×300 → padded 400×400 (top 50) → 336. Cell (r, c) samples x = 8.33 + 16.67c,
 * y = 8.33 + 16.67r − 50, so rows 0–2 and 21–23 fall in the padding.
 */
import type { PreprocessGeometry } from '../../src/io/clip-preprocess-geometry.js';
import { distanceTransform } from '../../src/controlmllm/distance.js';
import { regionWeights, RegionError } from '../../src/controlmllm/regions.js';

const crop: PreprocessGeometry = {
  originalWidth: 400, originalHeight: 300, padLeft: 0, padTop: 0, paddedWidth: 400, paddedHeight: 300,
  resizedWidth: 448, resizedHeight: 336, cropLeft: 56, cropTop: 0, size: 336,
};
const pad: PreprocessGeometry = {
  originalWidth: 400, originalHeight: 300, padLeft: 0, padTop: 50, paddedWidth: 400, paddedHeight: 400,
  resizedWidth: 336, resizedHeight: 336, cropLeft: 0, cropTop: 0, size: 336,
};

/** The set cells as "r,c" strings. */
const cells = (w: Float32Array, n = 24) => [...w].flatMap((v, k) => (v > 0 ? [`${Math.floor(k / n)},${k % n}`] : []));
const rect = (r0: number, r1: number, c0: number, c1: number) => {
  const out: string[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(`${r},${c}`);
  return out;
};

describe('box', () => {
  it('xywh box in centre-crop geometry', () => {
    const { weights, soft } = regionWeights({ type: 'box', box: [50, 0, 100, 50] }, crop, 24);
    expect(soft).toBe(false);
    expect(cells(weights)).toEqual(rect(0, 3, 0, 7)); // x ∈ [50,150): c 0..7; y < 50: r 0..3
  });
  it('xyxy form gives the same cells', () => {
    const a = regionWeights({ type: 'box', box: [50, 0, 150, 50], format: 'xyxy' }, crop, 24).weights;
    expect(cells(a)).toEqual(rect(0, 3, 0, 7));
  });
  it('a box on the left border that survives the crop only in column 0', () => {
    expect(cells(regionWeights({ type: 'box', box: [0, 0, 60, 300] }, crop, 24).weights)).toEqual(rect(0, 23, 0, 0));
  });
  it('a box entirely in the cropped-away band is an error that says so', () => {
    expect(() => regionWeights({ type: 'box', box: [0, 0, 40, 300] }, crop, 24)).toThrow(RegionError);
    expect(() => regionWeights({ type: 'box', box: [0, 0, 40, 300] }, crop, 24)).toThrow('box [0, 0, 40, 300] covers no visual token of the 24×24 grid');
  });
  it('the whole image in pad geometry leaves the padding rows empty', () => {
    expect(cells(regionWeights({ type: 'box', box: [0, 0, 400, 300] }, pad, 24).weights)).toEqual(rect(3, 20, 0, 23));
  });
  it('a box at the bottom border in pad geometry', () => {
    // y ∈ [280, 300): row 20 samples y = 291.67; row 19 samples 275.
    expect(cells(regionWeights({ type: 'box', box: [0, 280, 400, 20] }, pad, 24).weights)).toEqual(rect(20, 20, 0, 23));
  });
  it('rejects an empty box', () => {
    expect(() => regionWeights({ type: 'box', box: [10, 10, 0, 5] }, crop, 24)).toThrow('is empty or not finite');
  });
});

describe('mask', () => {
  const W = 400;
  const H = 300;
  const right = new Uint8Array(W * H).map((_, i) => (i % W >= 200 ? 255 : 0));
  it('right half in centre-crop geometry: x ≥ 200 → c ≥ 12', () => {
    expect(cells(regionWeights({ type: 'mask', width: W, height: H, data: right }, crop, 24).weights)).toEqual(rect(0, 23, 12, 23));
  });
  it('right half in pad geometry: x = 8.33 + 16.67c ≥ 200 → c ≥ 12, image rows only', () => {
    expect(cells(regionWeights({ type: 'mask', width: W, height: H, data: right }, pad, 24).weights)).toEqual(rect(3, 20, 12, 23));
  });
  it('a mask of the wrong size is an error naming both sizes', () => {
    expect(() => regionWeights({ type: 'mask', width: 10, height: 10, data: new Uint8Array(100) }, crop, 24)).toThrow('mask is 10×10 but the image is 400×300');
  });
});

describe('point and scribble (soft weights)', () => {
  const peak = 1 / (0.1 * Math.sqrt(2 * Math.PI)); // 3.989
  const maxDist = Math.hypot(399 - 56, 299 - 6); // farthest pixel from (56, 6)
  it('point: peak 1/(σ√2π) at its cell, Gaussian of the normalised distance elsewhere', () => {
    const { weights, distance, soft } = regionWeights({ type: 'point', point: [56, 6] }, crop, 24);
    expect(soft).toBe(true);
    expect(weights[0]).toBeCloseTo(peak, 5);
    expect(distance![1]).toBeCloseTo(12 / maxDist, 6); // cell (0,1) samples pixel (68, 6)
    expect(weights[1]).toBeCloseTo(peak * Math.exp(-((12 / maxDist) ** 2) / (2 * 0.01)), 5);
    expect(distance![24]).toBeCloseTo(12 / maxDist, 6); // cell (1,0) samples pixel (56, 18)
    expect(Math.max(...distance!)).toBeLessThanOrEqual(1);
  });
  it('σ = 0.4 (++) lowers the peak to 0.997', () => {
    const { weights } = regionWeights({ type: 'point', point: [56, 6] }, crop, 24, 0.4);
    expect(weights[0]).toBeCloseTo(1 / (0.4 * Math.sqrt(2 * Math.PI)), 5);
  });
  it('a connected scribble is zero-distance along its whole stroke', () => {
    const { distance } = regionWeights({ type: 'scribble', points: [[56, 6], [156, 6]] }, crop, 24);
    for (let c = 0; c <= 8; c++) expect(distance![c]).toBe(0);
    expect(distance![9]).toBeGreaterThan(0);
    const sparse = regionWeights({ type: 'scribble', points: [[56, 6], [156, 6]], connect: false }, crop, 24).distance!;
    expect(sparse[4]).toBeGreaterThan(0); // between the two points
    expect(sparse[8]).toBe(0);
  });
  it('pad cells outside the image get the exact distance to the stroke', () => {
    const { distance } = regionWeights({ type: 'point', point: [8, 8] }, pad, 24);
    // Cell (0,0) samples (8.33, −41.67) → pixel (8, −42): 50 px above the point.
    const max = Math.hypot(399 - 8, 299 - 8);
    expect(distance![0]).toBeCloseTo(50 / max, 6);
  });
  it('a point outside the image is an error', () => {
    expect(() => regionWeights({ type: 'point', point: [400, 10] }, crop, 24)).toThrow('point point (400, 10) is outside the 400×300 image');
  });
});

describe('exact distance transform', () => {
  it('matches brute force on a random seed pattern', () => {
    const [W, H] = [23, 17];
    const seed = new Uint8Array(W * H);
    [5, 100, 250, 390].forEach((i) => (seed[i] = 1));
    const d = distanceTransform(seed, W, H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let best = Infinity;
        seed.forEach((s, i) => s && (best = Math.min(best, Math.hypot((i % W) - x, Math.floor(i / W) - y))));
        expect(d[y * W + x]).toBeCloseTo(best, 9);
      }
    }
  });
});
