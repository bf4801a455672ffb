/** Node-only: load a model folder's chat template from disk (see chat-template.ts for the file order). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ChatTemplate, type ChatTemplateFiles } from './chat-template.js';

/** Loads the chat template of the model folder `dir`; errors start with the folder and name the file. */
export function loadChatTemplateFromDir(dir: string): ChatTemplate {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`model folder not found: ${dir}`);
  const files: ChatTemplateFiles = {};
  for (const name of ['chat_template.jinja', 'chat_template.json', 'tokenizer_config.json'] as const) {
    const path = join(dir, name);
    if (existsSync(path)) files[name] = readFileSync(path, 'utf8');
  }
  try {
    return ChatTemplate.fromFiles(files, dir);
  } catch (e) {
    throw new Error(`${dir}: ${(e as Error).message}`, { cause: e });
  }
}
