/**
 * Node-only: load a tokenizer from a model folder on disk (the browser passes file text to
 * `loadTokenizer` itself). Reads only the files the chosen tokenizer needs: tokenizer.json when present,
 * otherwise tokenizer.model; plus tokenizer_config.json and special_tokens_map.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadTokenizer, type Tokenizer, type TokenizerFiles } from './tokenizer.js';

/** The bytes of tiktoken's WebAssembly module, from node_modules. */
export function readTiktokenWasm(): Uint8Array {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('tiktoken/lite/tiktoken_bg.wasm'));
}

/** Reads the tokenizer files `dir` has (text; tokenizer.model as bytes, only without tokenizer.json). */
export function readTokenizerFiles(dir: string): TokenizerFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`tokenizer folder not found: ${dir}`);
  const text = (name: string): string | undefined =>
    existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined;
  const files: TokenizerFiles = {
    'tokenizer_config.json': text('tokenizer_config.json'),
    'special_tokens_map.json': text('special_tokens_map.json'),
    'tokenizer.json': text('tokenizer.json'),
  };
  const modelPath = join(dir, 'tokenizer.model');
  if (files['tokenizer.json'] === undefined && existsSync(modelPath)) files['tokenizer.model'] = readFileSync(modelPath);
  return files;
}

/** Loads the tokenizer of the model folder `dir`; errors start with the folder and name the file. */
export async function loadTokenizerFromDir(dir: string): Promise<Tokenizer> {
  try {
    const files = readTokenizerFiles(dir);
    const needsWasm = files['tokenizer.json'] === undefined && files['tokenizer.model'] !== undefined;
    return await loadTokenizer(files, needsWasm ? { tiktokenWasm: readTiktokenWasm() } : {});
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith('tokenizer folder') ? message : `${dir}: ${message}`, { cause: e });
  }
}
