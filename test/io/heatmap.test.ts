import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseClipProcessorConfig, preprocessGeometry, processedToOriginal, type PreprocessGeometry } from '../../src/io/clip-preprocess.js';
import { heatmapOverlay } from '../../src/io/heatmap.js';
import type { RgbImage } from '../../src/io/image.js';

const cfgPath = fileURLToPath(new URL('../fixtures/llava-1.5-7b-hf/preprocessor_config.json', import.meta.url));
const cfg = parseClipProcessorConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), cfgPath);
const G = 24;

const gray = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(128) });
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

/** The original pixel under the centre of grid cell (row, col). */
function cellCentre(g: PreprocessGeometry, row: number, col: number): [number, number] {
  const cell = g.size / G;
  const p = processedToOriginal(g, (col + 0.5) * cell, (row + 0.5) * cell);
  return [Math.floor(p.x), Math.floor(p.y)];
}

function oneHot(row: number, col: number): Float32Array {
  const grid = new Float32Array(G * G).fill(0.01);
  grid[row * G + col] = 1;
  return grid;
}

describe('heatmapOverlay', () => {
  for (const [w, h, pad] of [[517, 389, false], [517, 389, true], [240, 500, false], [240, 500, true]] as const) {
    test(`${w}×${h} ${pad ? 'pad' : 'crop'}: same size as the original; the hot cell is redder (jet) and brighter (inferno)`, () => {
      const img = gray(w, h);
      const geometry = preprocessGeometry(img.width, img.height, cfg, { padToSquare: pad });
      const hot = [6, 17] as const;
      const cold = [18, 4] as const;
      const grid = oneHot(...hot);
      const jet = heatmapOverlay(img, grid, G, geometry);
      expect([jet.width, jet.height, jet.data.length]).toEqual([w, h, w * h * 3]);
      const [hx, hy] = cellCentre(geometry, ...hot);
      const [cx, cy] = cellCentre(geometry, ...cold);
      const redness = (p: number[]) => p[0] - p[2];
      expect(redness(px(jet, hx, hy))).toBeGreaterThan(redness(px(jet, cx, cy)) + 100);
      const inf = heatmapOverlay(img, grid, G, geometry, { colormap: 'inferno' });
      const lum = (p: number[]) => p[0] + p[1] + p[2];
      expect(lum(px(inf, hx, hy))).toBeGreaterThan(lum(px(inf, cx, cy)) + 200);
      // Deterministic.
      expect(Buffer.from(heatmapOverlay(img, grid, G, geometry).data).equals(Buffer.from(jet.data))).toBe(true);
    });
  }

  test('crop mode: the cropped-away sides are dimmed, not coloured', () => {
    const img = gray(517, 389);
    const geometry = preprocessGeometry(img.width, img.height, cfg);
    const out = heatmapOverlay(img, oneHot(0, 0), G, geometry, { dimOutside: 0.25 });
    expect(px(out, 0, 200)).toEqual([32, 32, 32]); // x = 0 → processed −55: outside
    expect(px(out, 516, 200)).toEqual([32, 32, 32]);
    expect(px(out, 258, 200)).not.toEqual([32, 32, 32]);
    // The hot corner cell sits just right of the cut: x ≈ 63.8 is the processed square's left edge.
    const redness = (p: number[]) => p[0] - p[2];
    expect(redness(px(out, 66, 3))).toBeGreaterThan(redness(px(out, 450, 380)));
  });

  test('nearest-cell mode gives flat cells; an explicit max scales the ramp', () => {
    const img = gray(336, 336);
    const geometry = preprocessGeometry(img.width, img.height, cfg);
    const grid = new Float32Array(G * G);
    for (let i = 0; i < grid.length; i++) grid[i] = i % G;
    const flat = heatmapOverlay(img, grid, G, geometry, { smooth: false });
    expect(px(flat, 14 * 5 + 1, 3)).toEqual(px(flat, 14 * 5 + 12, 300)); // same column of cells
    // Default max = 23: the last column is at the top of the ramp (jet: red). With max 1000 it is at
    // 2.3%, within a few levels of the bottom (jet: dark blue).
    const cold = px(heatmapOverlay(img, new Float32Array(G * G), G, geometry, { smooth: false, max: 1 }), 335, 0);
    const dull = px(heatmapOverlay(img, grid, G, geometry, { max: 1000, smooth: false }), 335, 0);
    expect(Math.max(...dull.map((v, i) => Math.abs(v - cold[i])))).toBeLessThanOrEqual(12);
    expect(px(flat, 335, 0)[0]).toBeGreaterThan(px(flat, 335, 0)[2] + 60);
  });

  test('errors name the mismatch', () => {
    const img = gray(100, 80);
    const geometry = preprocessGeometry(img.width, img.height, cfg);
    expect(() => heatmapOverlay(img, new Float32Array(10), G, geometry)).toThrow('heatmapOverlay: grid has 10 values, expected gridSize² = 24² = 576');
    expect(() => heatmapOverlay(gray(80, 100), new Float32Array(G * G), G, geometry)).toThrow(
      'heatmapOverlay: image is 80×100 but the geometry is for 100×80',
    );
    const nan = new Float32Array(G * G);
    nan[5] = NaN;
    expect(() => heatmapOverlay(img, nan, G, geometry)).toThrow('heatmapOverlay: grid value NaN at cell 5 is not finite');
  });
});
