/**
 * Qwen2.5-VL tokenizer and model folders built in the tests: the byte-level BPE tokenizer files of
 * scripts/qwen-tokenizer-files.ts (re-exported), and `tinyQwenDir()`, the tiny-qwen25vl fixture model
 * (vocab 200, specials at 186…199) with such a tokenizer over printable ASCII.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { qwenTokenizerConfigJson, qwenTokenizerJson } from '../../scripts/qwen-tokenizer-files.js';
import { qwenDir } from '../model/qwen2_5_vl/qwen-fixture.js';

export { QWEN_SPECIAL_TOKENS, byteChar, qwenTokenizerConfigJson, qwenTokenizerJson } from '../../scripts/qwen-tokenizer-files.js';

/** The tiny-qwen25vl model folder plus a printable-ASCII byte-level tokenizer fitting its vocab of 200. */
export function tinyQwenDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tiny-qwen-'));
  for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json']) copyFileSync(path.join(qwenDir, f), path.join(dir, f));
  const bytes = [10, ...Array.from({ length: 95 }, (_, i) => 32 + i)]; // \n and printable ASCII
  const merges: Array<[string, string]> = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'a'], ['i', 's'], ['Ġ', 'is']];
  writeFileSync(path.join(dir, 'tokenizer.json'), qwenTokenizerJson({ specialBase: 186, bytes, merges }));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), qwenTokenizerConfigJson());
  return dir;
}
