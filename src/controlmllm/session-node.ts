/** Loads a Session from a model folder on disk (Node only). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadChatTemplateFromDir } from '../io/chat-template-node.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { loadTokenizerFromDir } from '../io/tokenizer-node.js';
import { loadLlava } from '../model/load-node.js';
import type { Session } from './session.js';

export async function loadSession(dir: string): Promise<Session> {
  const file = path.join(dir, 'preprocessor_config.json');
  let processorJson: unknown;
  try {
    processorJson = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return {
    name: dir,
    model: loadLlava(dir),
    tokenizer: await loadTokenizerFromDir(dir),
    processor: parseClipProcessorConfig(processorJson),
    template: loadChatTemplateFromDir(dir),
  };
}
