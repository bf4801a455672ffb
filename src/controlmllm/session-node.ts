/** Loads a Session from a model folder on disk (Node only). */
import { readJsonFile } from '../io/json-node.js';
import path from 'node:path';
import { loadChatTemplateFromDir } from '../io/chat-template-node.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { loadTokenizerFromDir } from '../io/tokenizer-node.js';
import { loadLlava } from '../model/load-node.js';
import type { Session } from './session.js';

export async function loadSession(dir: string): Promise<Session> {
  const file = path.join(dir, 'preprocessor_config.json');
  const processorJson = readJsonFile(file);
  return {
    name: dir,
    model: loadLlava(dir),
    tokenizer: await loadTokenizerFromDir(dir),
    processor: parseClipProcessorConfig(processorJson, file),
    template: loadChatTemplateFromDir(dir),
  };
}
