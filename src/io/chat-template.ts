/**
 * Chat templates: turn a conversation into the prompt string a model was trained on, by rendering the
 * model's Jinja template with `@huggingface/jinja` (which compiles with `trim_blocks` and `lstrip_blocks`
 * as transformers does, and understands transformers' `{% generation %}` tag). Browser-safe.
 *
 * Where the template comes from, first found wins (as transformers' processors look for it):
 * chat_template.jinja, chat_template.json (`{"chat_template": "..."}`), tokenizer_config.json's
 * `chat_template`. Python reads chat_template.jinja in text mode, which turns CRLF line ends into LF;
 * we do the same, so a template checked out with Windows line ends renders `<image>\n`, not `<image>\r\n`.
 *
 * Messages use transformers' multimodal form, `{role, content: [{type: 'image'}, {type: 'text', text}]}`,
 * or plain string content. A template that loops over `message['content']` (LLaVA's does) gets string
 * content as `[{type: 'text', text}]`; a template that uses the content as a string gets text-only part
 * lists joined with "\n" and refuses images.
 *
 * LLaVA-1.5 (SPEC-llava §8.5): one user turn [image, question] + generation prompt renders
 * `"USER: <image>\n" + question + " ASSISTANT:"`, the canonical prompt; no system prompt.
 */
import { Interpreter, Template } from '@huggingface/jinja';
import { parseJsonObject, readSpecialTokenConfig } from './tokenizer-config.js';

/** One part of a multimodal message. */
export type ChatContentPart = { type: 'image'; [key: string]: unknown } | { type: 'text'; text: string };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string | ChatContentPart[];
}

export interface RenderOptions {
  /** Append the assistant's turn opener (`ASSISTANT:` for LLaVA-1.5). Default false, as in transformers. */
  addGenerationPrompt?: boolean;
  /** More template variables (they override the special tokens). */
  variables?: Record<string, unknown>;
}

/** The files a chat template may come from, as text. */
export interface ChatTemplateFiles {
  'chat_template.jinja'?: string;
  'chat_template.json'?: string;
  'tokenizer_config.json'?: string;
}

/** llava-hf/llava-1.5-7b-hf's chat template, verbatim from its chat_template.json. */
export const LLAVA_15_CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}" +
  "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}" +
  "{{ '<image>\n' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}" +
  "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}" +
  "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{% generation %}" +
  "{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

/** Whether the template iterates or filters `message['content']` (so it wants a list of parts). */
function wantsContentList(source: string): boolean {
  const content = String.raw`message(?:\[\s*['"]content['"]\s*\]|\.content)`;
  return new RegExp(String.raw`for\s+\w+\s+in\s+${content}|${content}\s*\|`).test(source);
}

/** Picks the template out of a `chat_template` value: a string, or transformers' named list. */
function templateValue(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
    throw new Error(`${file}: "chat_template" is a list without a {"name": "default", "template": ...} entry`);
  }
  throw new Error(`${file}: "chat_template" must be a string or a list of named templates`);
}

/**
 * Limits on one render, as Jinja2's SandboxedEnvironment caps `range` at MAX_RANGE = 100,000: a
 * template is code from the model folder, and `{% for i in range(30000000) %}` must not hang the process.
 */
export const RENDER_LIMITS = {
  /** Items one `range()` call may produce. */
  range: 100_000,
  /**
   * Steps in one render: every node and block evaluated (a loop body once per iteration) and every item
   * a `range()` produces (the library builds a scope per loop item before running the body).
   */
  steps: 50_000,
  /** Characters of any string value, the output included. */
  chars: 1_000_000,
};

/** Items `range(args)` would produce (Python semantics), for the cap checked before the list is built. */
function rangeLength(args: unknown[]): number {
  const nums = args.map(Number);
  const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (!(step !== 0)) return 0; // the library reports a zero step itself
  return Math.max(0, Math.ceil((stop - start) / step));
}

type Node = { type: string; callee?: { type: string; value?: string }; args?: unknown[] };
type Evaluate = (this: Interpreter, statement: unknown, environment: unknown) => { type: string; value: unknown };

/**
 * Runs `render` with every template node and block evaluation counted and every string result measured.
 * @huggingface/jinja has no hooks for this, so Interpreter.prototype.evaluate is wrapped for the
 * duration of the (synchronous) call and restored after.
 */
function withRenderLimits(render: () => string): string {
  const proto = Interpreter.prototype as unknown as { evaluate: Evaluate; evaluateBlock: Evaluate };
  const [original, originalBlock] = [proto.evaluate, proto.evaluateBlock];
  let steps = 0;
  const tick = (n = 1) => {
    steps += n;
    if (steps > RENDER_LIMITS.steps) throw new Error(`the template evaluated over ${RENDER_LIMITS.steps} steps (an endless or huge loop?)`);
  };
  // A loop runs its body as a block, once per item, even when the body is empty.
  proto.evaluateBlock = function (statements, environment) {
    tick();
    return originalBlock.call(this, statements, environment);
  };
  proto.evaluate = function (statement, environment) {
    tick();
    const node = statement as Node;
    if (node?.type === 'CallExpression' && node.callee?.type === 'Identifier' && node.callee.value === 'range') {
      const args = (node.args ?? []).map((a) => original.call(this, a, environment).value);
      const n = rangeLength(args);
      if (!(n <= RENDER_LIMITS.range)) throw new Error(`range(${args.join(', ')}) has ${n} items, over the limit of ${RENDER_LIMITS.range}`);
      tick(n);
    }
    const result = original.call(this, statement, environment);
    if (typeof result?.value === 'string' && result.value.length > RENDER_LIMITS.chars) {
      throw new Error(`the template built a string of ${result.value.length} characters, over the limit of ${RENDER_LIMITS.chars}`);
    }
    return result;
  };
  try {
    return render();
  } finally {
    proto.evaluate = original;
    proto.evaluateBlock = originalBlock;
  }
}

export class ChatTemplate {
  private readonly template: Template;
  private readonly contentList: boolean;

  /**
   * @param source the Jinja source
   * @param specialTokens variables such as `bos_token`, `eos_token` that templates may use
   */
  constructor(
    readonly source: string,
    private readonly specialTokens: Record<string, string> = {},
    readonly origin = 'chat template',
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new Error(`${origin}: cannot parse the Jinja template (${(e as Error).message})`);
    }
    this.contentList = wantsContentList(source);
  }

  /** Finds the template in a model folder's files (see the file comment for the order). */
  static fromFiles(files: ChatTemplateFiles, dir?: string): ChatTemplate {
    const where = (name: string) => (dir ? `${dir}/${name}` : name);
    const configText = files['tokenizer_config.json'];
    const config = configText === undefined ? {} : parseJsonObject(configText, 'tokenizer_config.json');
    const special = readSpecialTokenConfig(configText);
    const tokens: Record<string, string> = {};
    for (const [key, value] of [
      ['bos_token', special.bosToken],
      ['eos_token', special.eosToken],
      ['pad_token', special.padToken],
      ['unk_token', special.unkToken],
    ] as const) {
      if (value !== undefined) tokens[key] = value;
    }

    const jinja = files['chat_template.jinja'];
    if (jinja !== undefined) return new ChatTemplate(jinja.replace(/\r\n?/g, '\n'), tokens, where('chat_template.jinja'));
    const json = files['chat_template.json'];
    if (json !== undefined) {
      const source = templateValue(parseJsonObject(json, 'chat_template.json').chat_template, 'chat_template.json');
      if (source === undefined) throw new Error('chat_template.json: no "chat_template" string');
      return new ChatTemplate(source, tokens, where('chat_template.json'));
    }
    const fromConfig = templateValue(config.chat_template, 'tokenizer_config.json');
    if (fromConfig !== undefined) return new ChatTemplate(fromConfig, tokens, where('tokenizer_config.json'));
    throw new Error('no chat template: expected chat_template.jinja, chat_template.json or "chat_template" in tokenizer_config.json');
  }

  /** Renders `messages` into the prompt string, within {@link RENDER_LIMITS}; errors name the template's file. */
  render(messages: readonly ChatMessage[], options: RenderOptions = {}): string {
    const variables = {
      ...this.specialTokens,
      ...options.variables,
      messages: messages.map((m) => this.shapeContent(m)),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    try {
      return withRenderLimits(() => this.template.render(variables));
    } catch (e) {
      throw new Error(`${this.origin}: cannot render the chat template (${(e as Error).message})`, { cause: e });
    }
  }

  /** Gives the message content the shape this template reads (see the file comment). */
  private shapeContent(message: ChatMessage): ChatMessage {
    const { content } = message;
    if (this.contentList) {
      return typeof content === 'string' ? { ...message, content: [{ type: 'text', text: content }] } : message;
    }
    if (typeof content === 'string') return message;
    const texts = content.map((part) => {
      if (part.type !== 'text') {
        throw new Error(`chat template: this template takes plain string content and has no place for a "${part.type}" part`);
      }
      return part.text;
    });
    return { ...message, content: texts.join('\n') };
  }
}

/** The LLaVA-1.5 template (bundled; no files needed). */
export const llava15ChatTemplate = new ChatTemplate(LLAVA_15_CHAT_TEMPLATE);

/**
 * The LLaVA-1.5 prompt for one image and one question, rendered from `template`:
 * `"USER: <image>\n" + question + " ASSISTANT:"`.
 */
export function llavaPrompt(question: string, template: ChatTemplate = llava15ChatTemplate): string {
  return template.render([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }], {
    addGenerationPrompt: true,
  });
}
