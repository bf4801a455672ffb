/** Loading a Qwen2.5-VL checkpoint directory from disk (Node only): config.json + model.safetensors or its index and shards. */
import { parseQwen25VLConfig, type Qwen25VLConfig } from './config.js';
import { loadQwen25VLFromSource } from './load.js';
import type { Qwen25VLForConditionalGeneration } from './model.js';
import type { LoadOptions } from '../load.js';
import { readConfigFile } from '../load-node.js';
import { openCheckpoint } from '../../safetensors/node.js';

/** Reads and parses `dir/config.json`; errors name the file. */
export function readQwenConfig(dir: string): Qwen25VLConfig {
  return readConfigFile(dir, parseQwen25VLConfig);
}

/** config.json + weights of `dir` → a model, strictly checked. */
export function loadQwen25VL(dir: string, opts: LoadOptions = {}): Qwen25VLForConditionalGeneration {
  return loadQwen25VLFromSource(openCheckpoint(dir), readQwenConfig(dir), { label: dir, ...opts });
}
