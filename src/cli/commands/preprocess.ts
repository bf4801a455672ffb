/**
 * `controlmllm preprocess`: the CLIP image preprocessing as a file, for comparison with Python:
 * writes `pixel_values` [1,3,S,S] F32 and `resized_u8` [S,S,3] U8 (after resize + crop or pad).
 */
import { readJsonFile } from '../../io/json-node.js';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseClipProcessorConfig, preprocess } from '../../io/clip-preprocess.js';
import { readImageFile } from '../../io/image-node.js';
import { writeSafetensors } from '../../safetensors/index.js';
import { checkOutputPath, writeFileAtomic } from '../../io/output-file-node.js';
import type { Command, CommandIO } from '../command.js';

const usage = `usage: controlmllm preprocess --image IMG (--model DIR | --processor preprocessor_config.json) --out OUT.safetensors [--pad-to-square]`;

export function readProcessorConfig(file: string) {
  return parseClipProcessorConfig(readJsonFile(file), file);
}

export const preprocessCommand: Command = {
  name: 'preprocess',
  summary: 'CLIP-preprocess an image into pixel_values (+ the 8-bit resized image)',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: { image: { type: 'string' }, model: { type: 'string' }, processor: { type: 'string' }, out: { type: 'string' }, 'pad-to-square': { type: 'boolean' } },
    });
    if (!v.image || !v.out || (!v.model && !v.processor)) throw new Error(`--image, --out and one of --model / --processor are required\n${usage}`);
    checkOutputPath(v.out);
    const cfg = readProcessorConfig(v.processor ?? path.join(v.model!, 'preprocessor_config.json'));
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
