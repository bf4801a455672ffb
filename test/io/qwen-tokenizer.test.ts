/** The Qwen2.5-VL chat template and a byte-level BPE tokenizer.json in Qwen2's layout, through the project's loaders. */
import { ChatTemplate } from '../../src/io/chat-template.js';
import { qwen2VlChatTemplate, qwenPrompt } from '../../src/io/chat-template-qwen.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { qwenMeta } from '../model/qwen2_5_vl/qwen-fixture.js';
import { QWEN_SPECIAL_TOKENS, byteChar, qwenTokenizerConfigJson, qwenTokenizerJson } from '../helpers/qwen-model-dir.js';

describe('Qwen2-VL chat template', () => {
  it('renders the one-image prompt of the fixture (default system prompt, generation prompt)', () => {
    expect(qwenPrompt('What is in the box?')).toBe(qwenMeta.prompt_text);
  });
  it('keeps a given system prompt, plain string content and several turns', () => {
    const s = qwen2VlChatTemplate.render([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]);
    expect(s).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n');
  });
  it('numbers pictures with add_vision_id', () => {
    const t = new ChatTemplate(qwen2VlChatTemplate.source);
    const s = t.render([{ role: 'user', content: [{ type: 'image' }, { type: 'image' }, { type: 'text', text: 'Same?' }] }], { variables: { add_vision_id: true } });
    expect(s).toContain('Picture 1: <|vision_start|><|image_pad|><|vision_end|>Picture 2: <|vision_start|><|image_pad|><|vision_end|>Same?');
  });
});

describe('byte-level BPE tokenizer.json (Qwen2 layout)', () => {
  const files = () => ({ 'tokenizer.json': qwenTokenizerJson({ specialBase: 151643, merges: [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he']] }), 'tokenizer_config.json': qwenTokenizerConfigJson() });
  let tok: Awaited<ReturnType<typeof loadTokenizer>>;
  beforeAll(async () => {
    tok = await loadTokenizer(files());
  });
  it('special tokens at the real ids, no BOS, eos <|im_end|>', () => {
    expect(QWEN_SPECIAL_TOKENS.map((t) => tok.tokenToId(t))).toEqual(Array.from({ length: 14 }, (_, i) => 151643 + i));
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([undefined, 151645, 151643]);
    expect(tok.encode('a')).toEqual([97]); // byte 97 is id 97; no BOS prepended
    expect(tok.tokenToId(byteChar(32))).toBe(32); // 'Ġ'
  });
  it('encodes the chat prompt: special tokens whole, bytes and merges for the text; decodes back', () => {
    const prompt = qwenPrompt('Is the cat — 猫 — on the mat?');
    const ids = tok.encode(prompt);
    expect(ids.slice(0, 2)).toEqual([151644, 's'.charCodeAt(0)]);
    expect(ids).toContain(151652);
    expect(ids.filter((i) => i === 151655)).toHaveLength(1);
    const the = tok.tokenToId('Ġthe')!;
    expect(ids.filter((i) => i === the)).toHaveLength(2); // " the" twice, merged
    expect(tok.decode(ids)).toBe(prompt);
    expect(tok.decode(ids, { skipSpecial: true })).toBe('system\nYou are a helpful assistant.\nuser\nIs the cat — 猫 — on the mat?\nassistant\n');
  });
  it('a config asking for a BOS that does not exist is refused, naming the key', async () => {
    const cfg = JSON.stringify({ ...JSON.parse(qwenTokenizerConfigJson()), add_bos_token: true });
    await expect(loadTokenizer({ ...files(), 'tokenizer_config.json': cfg })).rejects.toThrow(/"bos_token" is missing/);
  });
});
