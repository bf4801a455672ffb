/** Loads a Session from a model folder on disk (Node only). */
import { readJsonFile } from '../io/json-node.js';
import path from 'node:path';
import { loadChatTemplateFromDir } from '../io/chat-template-node.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { loadTokenizerFromDir } from '../io/tokenizer-node.js';
import { loadLlava } from '../model/load-node.js';
import type { LoadOptions } from '../model/load.js';
import type { Session } from './session.js';

/** `opts` go to the weight loader (e.g. `halfWeights: true` keeps F16/BF16 Linear weights at 2 bytes). */
export async function loadSession(dir: string, opts: LoadOptions = {}): Promise<Session> {
  const file = path.join(dir, 'preprocessor_config.json');
  const processorJson = readJsonFile(file);
  return {
    name: dir,
    model: loadLlava(dir, opts),
    tokenizer: await loadTokenizerFromDir(dir),
    processor: parseClipProcessorConfig(processorJson, file),
    template: loadChatTemplateFromDir(dir),
  };
}
