/** Choosing and loading a tokenizer from a folder, and the errors for missing or malformed files. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';

const FIXTURE = join(process.cwd(), 'test/fixtures/llava-1.5-7b-hf');
const CONFIG = JSON.stringify({ bos_token: '<s>', eos_token: '</s>' });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenizer-load-'));
});
afterEach(() => rmSync(dir, { recursive: true }));

describe('loadTokenizerFromDir', () => {
  test('a missing folder is named', async () => {
    await expect(loadTokenizerFromDir(join(dir, 'nope'))).rejects.toThrow(`tokenizer folder not found: ${join(dir, 'nope')}`);
  });

  test('a folder without a tokenizer file says which files it looked for', async () => {
    writeFileSync(join(dir, 'tokenizer_config.json'), CONFIG);
    await expect(loadTokenizerFromDir(dir)).rejects.toThrow(
      `${dir}: no tokenizer file: expected tokenizer.json (Hugging Face) or tokenizer.model (tiktoken ranks)`,
    );
  });

  test('a missing tokenizer_config.json is named', async () => {
    copyFileSync(join(FIXTURE, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await expect(loadTokenizerFromDir(dir)).rejects.toThrow(`${dir}: tokenizer_config.json is missing`);
  });

  test('special_tokens_map.json alone is enough to name bos/eos (the config defaults apply)', async () => {
    copyFileSync(join(FIXTURE, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    copyFileSync(join(FIXTURE, 'special_tokens_map.json'), join(dir, 'special_tokens_map.json'));
    const tok = await loadTokenizerFromDir(dir);
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([1, 2, 32001]);
    expect(tok.encode('Hello world')).toEqual([1, 15043, 3186]);
  });

  test('malformed JSON names the file', async () => {
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {');
    writeFileSync(join(dir, 'tokenizer_config.json'), CONFIG);
    await expect(loadTokenizerFromDir(dir)).rejects.toThrow(new RegExp(`^${dir}: tokenizer\\.json: malformed JSON \\(`));
    copyFileSync(join(FIXTURE, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), '{"bos_token": "<s>",}');
    await expect(loadTokenizerFromDir(dir)).rejects.toThrow(/tokenizer_config\.json: malformed JSON/);
  });
});

describe('loadTokenizer (in memory)', () => {
  test('a tokenizer.json that is not a tokenizers file', async () => {
    await expect(loadTokenizer({ 'tokenizer.json': '[1, 2]', 'tokenizer_config.json': CONFIG })).rejects.toThrow(
      'tokenizer.json: expected a JSON object at the top level',
    );
    await expect(loadTokenizer({ 'tokenizer.json': '{"version": "1.0"}', 'tokenizer_config.json': CONFIG })).rejects.toThrow(
      'tokenizer.json: no "model" section',
    );
  });

  test('wrongly typed config values are named', async () => {
    const files = { 'tokenizer.json': '{"model": {}}' };
    await expect(loadTokenizer({ ...files, 'tokenizer_config.json': '{"bos_token": 5}' })).rejects.toThrow(
      'tokenizer_config.json: "bos_token" must be a string or an object with "content"',
    );
    await expect(loadTokenizer({ ...files, 'tokenizer_config.json': '{"add_bos_token": "yes"}' })).rejects.toThrow(
      'tokenizer_config.json: "add_bos_token" must be true or false',
    );
  });

  test('add_bos_token: false in the config turns BOS off by default', async () => {
    const { readFileSync } = await import('node:fs');
    const tok = await loadTokenizer({
      'tokenizer.json': readFileSync(join(FIXTURE, 'tokenizer.json'), 'utf8'),
      'tokenizer_config.json': JSON.stringify({ bos_token: '<s>', eos_token: '</s>', add_bos_token: false }),
    });
    expect(tok.encode('Hello world')).toEqual([15043, 3186]);
    expect(tok.encode('Hello world', { addBos: true })).toEqual([1, 15043, 3186]);
    expect(tok.padId).toBeUndefined();
  });
});
