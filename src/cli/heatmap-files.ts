/** The before/after attention heatmaps of a run, written as PNGs (ask, demo): both files or neither. */
import { heatmapPair } from '../io/heatmap.js';
import { encodePng, type RgbImage } from '../io/image.js';
import { writeFilesAtomic } from '../io/output-file-node.js';
import type { AskResult } from '../controlmllm/pipeline.js';

export const heatmapFile = (prefix: string, which: 'before' | 'after') => `${prefix}-${which}.png`;

/** Writes PREFIX-before.png and PREFIX-after.png on one shared colour scale (so brightness compares), atomically as a pair. */
export async function writeHeatmaps(prefix: string, image: RgbImage, r: AskResult): Promise<string[]> {
  const geometry = r.geometry;
  if (!geometry) throw new Error(`--heatmap: heatmaps need a square token grid; this model's is ${r.attention.rows}×${r.attention.cols} (Qwen2.5-VL heatmaps are not implemented)`);
  const pair = heatmapPair(image, r.attention, geometry, { colormap: 'inferno', opacity: 0.75 });
  const files = (['before', 'after'] as const).map((which) => ({ path: heatmapFile(prefix, which), bytes: encodePng(pair[which]) }));
  await writeFilesAtomic(files);
  return files.map((f) => f.path);
}
