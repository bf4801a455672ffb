/**
 * Issue 13 findings 4 and 5: a chat template cannot run unbounded (range capped at 100,000 as in
 * Jinja2's sandbox, a step budget, a string-length budget), with errors naming the template's file;
 * and a prompt longer than the model's context is refused before any image is encoded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChatTemplate, LLAVA_15_CHAT_TEMPLATE, llavaPrompt, RENDER_LIMITS } from '../../src/io/chat-template.js';
import { loadChatTemplateFromDir } from '../../src/io/chat-template-node.js';
import { main } from '../../src/cli/main.js';
import { loadSession } from '../../src/controlmllm/session-node.js';
import { promptIds } from '../../src/controlmllm/session.js';
import { generate } from '../../src/model/generate.js';
import { encodePng } from '../../src/io/image.js';
import { noGrad, zeros } from '../../src/tensor/index.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';
import { bounded } from './bounded.js';

const model = tinyModelDir();

describe('chat template limits (finding 4)', () => {
  it('range(30000000) prepended in tokenizer_config.json fails at once, naming the file', () => {
    const file = path.join(model, 'tokenizer_config.json');
    const original = readFileSync(file, 'utf8');
    const cfg = JSON.parse(original);
    writeFileSync(file, JSON.stringify({ ...cfg, chat_template: `{% for i in range(30000000) %}{% endfor %}${cfg.chat_template}` }));
    try {
      const template = loadChatTemplateFromDir(model);
      const { error } = bounded(() => llavaPrompt('What is it?', template), { seconds: 1, megabytes: 50 });
      expect(error!.message).toBe(`${model}/tokenizer_config.json: cannot render the chat template (range(30000000) has 30000000 items, over the limit of 100000)`);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('nested loops within the range cap still stop at the step budget (here lowered to 20,000 to keep the test fast)', () => {
    const saved = RENDER_LIMITS.steps;
    RENDER_LIMITS.steps = 20_000;
    try {
      const t = new ChatTemplate('{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}', {}, 'chat_template.jinja');
      const { error } = bounded(() => t.render([]), { seconds: 5, megabytes: 100 });
      expect(error!.message).toMatch(/^chat_template\.jinja: cannot render the chat template \(the template evaluated over 20000 steps/);
      // 10 × 10 iterations stay well inside the budget.
      expect(new ChatTemplate('{% for i in range(10) %}{% for j in range(10) %}x{% endfor %}{% endfor %}').render([])).toBe('x'.repeat(100));
    } finally {
      RENDER_LIMITS.steps = saved;
    }
  });

  it('a string doubled in a loop stops at the length budget', () => {
    const t = new ChatTemplate("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}", {}, 'chat_template.json');
    const { error } = bounded(() => t.render([]), { seconds: 5, megabytes: 100 });
    expect(error!.message).toMatch(/^chat_template\.json: cannot render the chat template \(the template built a string of \d+ characters, over the limit of 1000000\)/);
  });

  it('the LLaVA template renders as before', () => {
    expect(llavaPrompt('Hi?', new ChatTemplate(LLAVA_15_CHAT_TEMPLATE))).toBe('USER: <image>\nHi? ASSISTANT:');
  });
});

describe('prompt length against max_position_embeddings (finding 5)', () => {
  it('a question longer than the context is refused before the image is encoded', async () => {
    const session = await loadSession(model);
    if (session.family !== 'llava') throw new Error('expected a LLaVA folder');
    const limit = session.model.config.text_config.max_position_embeddings; // 128
    const { error } = bounded(() => promptIds(session, 'a'.repeat(500), 30), { seconds: 2, megabytes: 50 });
    expect(error!.message).toMatch(new RegExp(`^the prompt is \\d+ tokens \\+ 30 new tokens = \\d+, over the model's context of ${limit} positions \\(text_config\\.max_position_embeddings\\)`));
    // Just inside: the same check passes.
    expect(() => promptIds(session, 'What?', 30)).not.toThrow();
    const embeds = noGrad(() => zeros([1, limit - 5, session.model.config.text_config.hidden_size]));
    expect(() => generate(session.model, embeds, { maxNewTokens: 6 })).toThrow(/^the prompt is 123 tokens \+ 6 new tokens = 129, over the model's context of 128/);
  });

  it('trace --new-tokens 100000 fails at once with exit 1, naming the limit', async () => {
    const out = path.join(model, 'trace.safetensors');
    const img = path.join(model, 'img.png');
    writeFileSync(img, encodePng({ width: 30, height: 30, data: new Uint8Array(2700) }));
    let stderr = '';
    const t0 = performance.now();
    const code = await main(['trace', '--model', model, '--image', img, '--question', 'Hi?', '--out', out, '--new-tokens', '100000', '--backend', 'cpu'], {
      stdout: () => {},
      stderr: (s) => (stderr += s),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/new tokens = \d+, over the model's context of 128 positions/);
    expect((performance.now() - t0) / 1000).toBeLessThan(10);
  });
});
