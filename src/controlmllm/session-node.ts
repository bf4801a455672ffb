/** Loads a Session from a model folder on disk (Node only): LLaVA or Qwen2.5-VL, by config.json's model_type. */
import { readJsonFile } from '../io/json-node.js';
import path from 'node:path';
import { loadChatTemplateFromDir } from '../io/chat-template-node.js';
import { qwen2VlChatTemplate } from '../io/chat-template-qwen.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { parseQwenProcessorConfig } from '../io/qwen2-vl-preprocess.js';
import { loadTokenizerFromDir } from '../io/tokenizer-node.js';
import { loadLlava } from '../model/load-node.js';
import type { LoadOptions } from '../model/load.js';
import { isQwen25VLConfig } from '../model/qwen2_5_vl/config.js';
import { loadQwen25VL } from '../model/qwen2_5_vl/load-node.js';
import type { Session } from './session.js';

/** Which family a model folder holds, from config.json's model_type. */
export function modelFamily(dir: string): Session['family'] {
  return isQwen25VLConfig(readJsonFile(path.join(dir, 'config.json'))) ? 'qwen2_5_vl' : 'llava';
}

/** `opts` go to the weight loader (e.g. `halfWeights: true` keeps F16/BF16 Linear weights at 2 bytes). */
export async function loadSession(dir: string, opts: LoadOptions = {}): Promise<Session> {
  const file = path.join(dir, 'preprocessor_config.json');
  const processorJson = readJsonFile(file);
  if (modelFamily(dir) === 'qwen2_5_vl') {
    const tokenizer = await loadTokenizerFromDir(dir);
    let template = qwen2VlChatTemplate; // the Hub folders carry it in chat_template.json; the bundled copy otherwise
    try {
      template = loadChatTemplateFromDir(dir);
    } catch (e) {
      if (!/no chat template/.test((e as Error).message)) throw e;
    }
    return { family: 'qwen2_5_vl', name: dir, model: loadQwen25VL(dir, opts), tokenizer, processor: parseQwenProcessorConfig(processorJson, file), template };
  }
  return {
    family: 'llava',
    name: dir,
    model: loadLlava(dir, opts),
    tokenizer: await loadTokenizerFromDir(dir),
    processor: parseClipProcessorConfig(processorJson, file),
    template: loadChatTemplateFromDir(dir),
  };
}
