/** The before/after attention heatmaps of a run, written as PNGs (ask, demo). */
import { heatmapPair } from '../io/heatmap.js';
import { writePngFile } from '../io/image-node.js';
import type { RgbImage } from '../io/image.js';
import type { AskResult } from '../controlmllm/pipeline.js';

/** Writes PREFIX-before.png and PREFIX-after.png on one shared colour scale, so brightness compares. */
export function writeHeatmaps(prefix: string, image: RgbImage, r: AskResult): string[] {
  const geometry = r.geometry;
  if (!geometry) throw new Error(`--heatmap: heatmaps need a square token grid; this model's is ${r.attention.rows}×${r.attention.cols} (Qwen2.5-VL heatmaps are not implemented)`);
  const pair = heatmapPair(image, r.attention, geometry, { colormap: 'inferno', opacity: 0.75 });
  return (['before', 'after'] as const).map((which) => {
    const file = `${prefix}-${which}.png`;
    writePngFile(file, pair[which]);
    return file;
  });
}
