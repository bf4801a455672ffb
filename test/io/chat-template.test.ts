/**
 * Chat templates rendered by @huggingface/jinja. The LLaVA-1.5 template is llava-1.5-7b-hf's
 * (test/fixtures/llava-1.5-7b-hf/chat_template.json); SPEC-llava §8.5 gives what it must render.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatTemplate, LLAVA_15_CHAT_TEMPLATE, llavaPrompt, type ChatMessage } from '../../src/io/chat-template.js';
import { loadChatTemplateFromDir } from '../../src/io/chat-template-node.js';
import { loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';

const DIR = join(process.cwd(), 'test/fixtures/llava-1.5-7b-hf');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const QUESTION = "What's the content of the image?";
const PROMPT = "USER: <image>\nWhat's the content of the image? ASSISTANT:";

const llava = (): ChatTemplate => loadChatTemplateFromDir(DIR);
const userTurn = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'image' }, { type: 'text', text }] });

describe('LLaVA-1.5 chat template', () => {
  test('the bundled template is the checkpoint chat_template.json verbatim', () => {
    expect(LLAVA_15_CHAT_TEMPLATE).toBe(JSON.parse(read('chat_template.json')).chat_template);
  });

  test('one user turn [image, text] + generation prompt renders the canonical prompt', () => {
    const template = loadChatTemplateFromDir(DIR);
    expect(template.render([userTurn(QUESTION)], { addGenerationPrompt: true })).toBe(PROMPT);
    expect(llavaPrompt(QUESTION)).toBe(PROMPT);
    expect(llavaPrompt(QUESTION, template)).toBe(PROMPT);
  });

  test('without the generation prompt the text keeps its trailing space', () => {
    expect(loadChatTemplateFromDir(DIR).render([userTurn('Hi')])).toBe('USER: <image>\nHi ');
  });

  test('the prompt tokenizes to the 22 ids of SPEC §8.4', async () => {
    const tok = await loadTokenizerFromDir(DIR);
    expect(tok.encode(llavaPrompt(QUESTION))).toEqual([
      1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 5618, 29915, 29879, 278, 2793, 310, 278, 1967, 29973, 319, 1799, 9047,
      13566, 29901,
    ]);
  });

  test('multi-turn: assistant text through {% generation %}, system turns add no role prefix', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      userTurn('Q?'),
      { role: 'assistant', content: [{ type: 'text', text: 'A.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Q2' }] },
    ];
    expect(llava().render(messages, { addGenerationPrompt: true })).toBe('Be brief. USER: <image>\nQ? ASSISTANT: A. USER: Q2 ASSISTANT:');
  });

  test('plain string content is treated as one text part', () => {
    expect(llava().render([{ role: 'user', content: 'Hello' }], { addGenerationPrompt: true })).toBe('USER: Hello ASSISTANT:');
  });

  test('images come before the text whatever their order in the message', () => {
    const message: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'Q' }, { type: 'image' }, { type: 'image' }] };
    expect(llava().render([message])).toBe('USER: <image>\n<image>\nQ ');
  });
});

describe('where the template comes from', () => {
  test('chat_template.jinja with Windows line ends renders "\\n", as Python text-mode reading does', () => {
    const crlf = LLAVA_15_CHAT_TEMPLATE.replace('\n', '\r\n');
    expect(crlf).toContain("'<image>\r\n'");
    const template = ChatTemplate.fromFiles({ 'chat_template.jinja': crlf });
    expect(template.render([userTurn(QUESTION)], { addGenerationPrompt: true })).toBe(PROMPT);
    // The fixture copy of chat_template.jinja is checked out with CRLF; it still renders the prompt.
    expect(ChatTemplate.fromFiles({ 'chat_template.jinja': read('chat_template.jinja') }).render([userTurn(QUESTION)], {
      addGenerationPrompt: true,
    })).toBe(PROMPT);
  });

  test('chat_template.jinja wins over chat_template.json, which wins over tokenizer_config.json', () => {
    const config = JSON.stringify({ chat_template: 'config', bos_token: '<s>' });
    const json = JSON.stringify({ chat_template: 'json' });
    expect(ChatTemplate.fromFiles({ 'chat_template.jinja': 'jinja', 'chat_template.json': json, 'tokenizer_config.json': config }).render([])).toBe('jinja');
    expect(ChatTemplate.fromFiles({ 'chat_template.json': json, 'tokenizer_config.json': config }).render([])).toBe('json');
    expect(ChatTemplate.fromFiles({ 'tokenizer_config.json': config }).render([])).toBe('config');
  });

  test('a text-only template (string content) from tokenizer_config.json, with bos_token and named lists', () => {
    const source =
      "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";
    const config = JSON.stringify({ bos_token: { content: '<s>' }, chat_template: [{ name: 'default', template: source }] });
    const template = ChatTemplate.fromFiles({ 'tokenizer_config.json': config });
    const messages: ChatMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: [{ type: 'text', text: 'b' }, { type: 'text', text: 'c' }] },
    ];
    expect(template.render(messages, { addGenerationPrompt: true })).toBe('<s>[user] a\n[assistant] b\nc\n[assistant] ');
    expect(() => template.render([userTurn('x')])).toThrow(/takes plain string content and has no place for a "image" part/);
  });

  test('errors name the file', () => {
    expect(() => ChatTemplate.fromFiles({})).toThrow(/no chat template: expected chat_template\.jinja, chat_template\.json/);
    expect(() => ChatTemplate.fromFiles({ 'chat_template.json': '{' })).toThrow(/chat_template\.json: malformed JSON/);
    expect(() => ChatTemplate.fromFiles({ 'chat_template.json': '{}' })).toThrow('chat_template.json: no "chat_template" string');
    expect(() => ChatTemplate.fromFiles({ 'chat_template.jinja': '{% for %}' })).toThrow(/chat_template\.jinja: cannot parse/);
    expect(() =>
      ChatTemplate.fromFiles({ 'tokenizer_config.json': JSON.stringify({ chat_template: [{ name: 'tool_use', template: '' }] }) }),
    ).toThrow(/tokenizer_config\.json: "chat_template" is a list without a \{"name": "default"/);
    expect(() => loadChatTemplateFromDir('/no/such/dir')).toThrow('model folder not found: /no/such/dir');
  });
});
