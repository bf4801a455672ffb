/**
 * A complete model folder around the tiny HF LLaVA of test/fixtures/tiny-llava (vocab 99, 30×30 images,
 * 5×5 image tokens): its config and weights, plus a character-level tokenizer.json in the Llama layout
 * (<unk>, <s>, </s>, ▁, letters, digits, punctuation; `<image>` = 98), a chat template and a CLIP
 * preprocessor config sized 30. Used to run the CLI end to end on a real (if meaningless) model.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function tinyModelDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tiny-llava-'));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(path.join(fixtures, 'tiny-llava', f), path.join(dir, f));
  const chars = ['▁', ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', ...".,:?!'\n-"];
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  chars.forEach((c, i) => (vocab[c] = 3 + i));
  for (let id = 3 + chars.length; id < 98; id++) vocab[`<extra_${id}>`] = id;
  vocab['<image>'] = 98;
  const real = JSON.parse(readFileSync(path.join(fixtures, 'llava-1.5-7b-hf', 'tokenizer.json'), 'utf8'));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizer = {
    ...real,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>'), special(98, '<image>')],
    model: { ...real.model, byte_fallback: false, vocab, merges: [] },
  };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ add_bos_token: true, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: JSON.parse(readFileSync(path.join(fixtures, 'llava-1.5-7b-hf', 'chat_template.json'), 'utf8')).chat_template, added_tokens_decoder: { '98': special(98, '<image>') } }),
  );
  const processor = JSON.parse(readFileSync(path.join(fixtures, 'llava-1.5-7b-hf', 'preprocessor_config.json'), 'utf8'));
  writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({ ...processor, crop_size: { height: 30, width: 30 }, size: { shortest_edge: 30 } }));
  return dir;
}
