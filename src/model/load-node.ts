/**
 * Loading a LLaVA checkpoint directory from disk (Node only): config.json + model.safetensors or
 * model.safetensors.index.json and its shards. The browser path is load.ts `loadLlavaFromSource`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLlavaConfig, type LlavaConfig } from './config.js';
import { loadLlavaFromSource, type LoadOptions } from './load.js';
import type { LlavaForConditionalGeneration } from './llava.js';
import { openCheckpoint } from '../safetensors/node.js';
import type { TensorSource } from '../safetensors/index.js';

/** Reads and parses `dir/config.json`; errors name the file. */
export function readLlavaConfig(dir: string): LlavaConfig {
  return readConfigFile(dir, parseLlavaConfig);
}

/** `dir/config.json` through a family's parser; errors name the file. */
export function readConfigFile<C>(dir: string, parse: (text: string) => C): C {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    return parse(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.replace(/^config\.json: /, "")}`);
  }
}

/** The config and the opened (not yet read) weights of a checkpoint directory. */
export function openLlavaDir(dir: string): { config: LlavaConfig; source: TensorSource } {
  return { config: readLlavaConfig(dir), source: openCheckpoint(dir) };
}

/** config.json + weights of `dir` → a model, strictly checked (see load.ts). */
export function loadLlava(dir: string, opts: LoadOptions = {}): LlavaForConditionalGeneration {
  const { config, source } = openLlavaDir(dir);
  return loadLlavaFromSource(source, config, { label: dir, ...opts });
}
