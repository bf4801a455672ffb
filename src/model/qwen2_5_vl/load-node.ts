/** Loading a Qwen2.5-VL checkpoint directory from disk (Node only): config.json + model.safetensors or its index and shards. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseQwen25VLConfig, type Qwen25VLConfig } from './config.js';
import { loadQwen25VLFromSource } from './load.js';
import type { Qwen25VLForConditionalGeneration } from './model.js';
import type { LoadOptions } from '../load.js';
import { openCheckpoint } from '../../safetensors/node.js';

/** Reads and parses `dir/config.json`; errors name the file. */
export function readQwenConfig(dir: string): Qwen25VLConfig {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    return parseQwen25VLConfig(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** config.json + weights of `dir` → a model, strictly checked. */
export function loadQwen25VL(dir: string, opts: LoadOptions = {}): Qwen25VLForConditionalGeneration {
  return loadQwen25VLFromSource(openCheckpoint(dir), readQwenConfig(dir), { label: dir, ...opts });
}
