/**
 * `controlmllm preprocess`: the image preprocessing as a file, for comparison with Python. CLIP (LLaVA):
 * `pixel_values` [1,3,S,S] F32 and `resized_u8` [S,S,3] U8 (after resize + crop or pad). Qwen2-VL
 * (preprocessor_config.json of a Qwen2.5-VL folder): `pixel_values` [N,1176] F32, `image_grid_thw` [1,3]
 * I64 and `resized_u8` [H,W,3] U8 (after smart_resize; --min-pixels / --max-pixels override the config).
 */
import { readJsonFile } from '../../io/json-node.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseClipProcessorConfig, preprocess } from '../../io/clip-preprocess.js';
import { readImageFile } from '../../io/image-node.js';
import { writeSafetensors } from '../../safetensors/index.js';
import { checkOutputPath, writeFileAtomic } from '../../io/output-file-node.js';
import type { Command, CommandIO } from '../command.js';
import { parseQwenProcessorConfig, preprocessQwen, withPixels, type QwenProcessorConfig } from '../../io/qwen2-vl-preprocess.js';
import { pixelsFromFlags, pixelsOption } from '../pixels-args.js';

const usage = `usage: controlmllm preprocess --image IMG (--model DIR | --processor preprocessor_config.json) --out OUT.safetensors [--pad-to-square]
        [--min-pixels N] [--max-pixels N] (Qwen2-VL processors)`;

export function readProcessorConfig(file: string) {
  return parseClipProcessorConfig(readJsonFile(file), file);
}

export const preprocessCommand: Command = {
  name: 'preprocess',
  summary: 'preprocess an image into pixel_values (CLIP or Qwen2-VL; + the 8-bit resized image)',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: { image: { type: 'string' }, model: { type: 'string' }, processor: { type: 'string' }, out: { type: 'string' }, 'pad-to-square': { type: 'boolean' }, ...pixelsOption },
    });
    if (!v.image || !v.out || (!v.model && !v.processor)) throw new Error(`--image, --out and one of --model / --processor are required\n${usage}`);
    checkOutputPath(v.out);
    const file = v.processor ?? path.join(v.model!, 'preprocessor_config.json');
    const json = readJsonFile(file);
    if (isQwenProcessor(json)) return writeQwen(v as { image: string; out: string }, parseQwenProcessorConfig(json, file), io);
    const cfg = parseClipProcessorConfig(json, file);
    const p = preprocess(readImageFile(v.image), cfg, { padToSquare: v['pad-to-square'], source: v.image });
    const bytes = writeSafetensors([
      { name: 'pixel_values', dtype: 'F32', shape: [1, 3, p.size, p.size], data: p.pixelValues },
      { name: 'resized_u8', dtype: 'U8', shape: [p.size, p.size, 3], data: p.resizedU8 },
    ], undefined, v.out);
    await writeFileAtomic(v.out, bytes);
    io.stdout(`wrote ${v.out}: pixel_values [1,3,${p.size},${p.size}], resized_u8 [${p.size},${p.size},3]\n`);
    return 0;
  },
};

const isQwenProcessor = (json: unknown) => /^Qwen2VLImageProcessor/.test(String((json as { image_processor_type?: unknown } | null)?.image_processor_type ?? ''));

async function writeQwen(v: { image: string; out: string; 'min-pixels'?: string; 'max-pixels'?: string }, cfg: QwenProcessorConfig, io: CommandIO): Promise<number> {
  const p = preprocessQwen(readImageFile(v.image), withPixels(cfg, pixelsFromFlags(v)));
  const [t, h, w] = p.gridThw;
  const cols = p.pixelValues.length / (t * h * w);
  const bytes = writeSafetensors([
    { name: 'pixel_values', dtype: 'F32', shape: [t * h * w, cols], data: p.pixelValues },
    { name: 'image_grid_thw', dtype: 'I64', shape: [1, 3], data: BigInt64Array.from(p.gridThw, (x) => BigInt(x)) },
    { name: 'resized_u8', dtype: 'U8', shape: [p.resized.height, p.resized.width, 3], data: p.resized.data },
  ], undefined, v.out);
  await writeFileAtomic(v.out, bytes);
  const merged = (t * h * w) / cfg.mergeSize ** 2;
  io.stdout(`wrote ${v.out}: pixel_values [${t * h * w},${cols}], image_grid_thw [${t},${h},${w}] (${merged} image tokens), resized_u8 [${p.resized.height},${p.resized.width},3]\n`);
  return 0;
}
