/** The before/after attention heatmaps of a run, written as PNGs (ask, demo). */
import { heatmapPair } from '../io/heatmap.js';
import { writePngFile } from '../io/image-node.js';
import type { RgbImage } from '../io/image.js';
import type { AskResult } from '../controlmllm/pipeline.js';

/** Writes PREFIX-before.png and PREFIX-after.png on one shared colour scale, so brightness compares. */
export function writeHeatmaps(prefix: string, image: RgbImage, r: AskResult): string[] {
  const pair = heatmapPair(image, r.attention, r.geometry, { colormap: 'inferno', opacity: 0.75 });
  return (['before', 'after'] as const).map((which) => {
    const file = `${prefix}-${which}.png`;
    writePngFile(file, pair[which]);
    return file;
  });
}
