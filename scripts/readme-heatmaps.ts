/**
 * The README's picture of `npm start` (docs/npm-start-heatmaps.png): the sample, the attention before and
 * the attention after, side by side at 192 px with 10 px white gaps. Run `npm start` first.
 *
 *   npx esbuild scripts/readme-heatmaps.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/readme-heatmaps.mjs && node tmp/readme-heatmaps.mjs
 */
import { readImageFile, writePngFile } from '../src/io/image-node.js';
import { resizeBicubic } from '../src/io/image-resample.js';

const SIDE = 192;
const GAP = 10;
const panels = ['weights/default/sample.png', 'demo-output/attention-before.png', 'demo-output/attention-after.png'].map((f) => resizeBicubic(readImageFile(f), SIDE, SIDE));
const width = panels.length * SIDE + (panels.length - 1) * GAP;
const data = new Uint8Array(width * SIDE * 3).fill(255);
panels.forEach((p, i) => {
  for (let y = 0; y < SIDE; y++) data.set(p.data.subarray(y * SIDE * 3, (y + 1) * SIDE * 3), (y * width + i * (SIDE + GAP)) * 3);
});
writePngFile('docs/npm-start-heatmaps.png', { width, height: SIDE, data });
