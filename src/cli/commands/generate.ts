/** `controlmllm generate`: answer a question about an image, streaming tokens as they are decoded. */
import { parseArgs } from 'node:util';
import { readImageFile } from '../../io/image-node.js';
import { TextStreamer } from '../../io/text-streamer.js';
import { generate, type GenerateOptions } from '../../model/generate.js';
import type { RgbImage } from '../../io/image.js';
import { prepare } from '../../controlmllm/session.js';
import { loadSession } from '../../controlmllm/session-node.js';
import { noGrad } from '../../tensor/index.js';
import type { Command, CommandIO } from '../command.js';
import { backendOption, useBackend } from '../backend-args.js';
import { numberFlag } from '../flags.js';
import { pixelsFromFlags, pixelsOption, type PixelsOptions } from '../pixels-args.js';
import { ASK_RANGES } from '../flags.js';

const usage = `usage: controlmllm generate --model DIR --image IMG --question "…" [--max-new-tokens N]
        [--temperature T] [--top-k K] [--top-p P] [--seed S] [--pad-to-square] [--json]
        [--backend cpu|wasm[:threads]|gpujs[:mode]] [--wasm-arrays-mib N] [--half-weights] [--min-pixels N] [--max-pixels N]

Greedy decoding by default; --temperature > 0 samples (seeded) after top-k / top-p filtering.
--half-weights keeps F16/BF16 Linear weights at 2 bytes per parameter (widened inside the matmul).
--min-pixels / --max-pixels (Qwen2.5-VL folders) bound the resized image's area: fewer pixels, fewer image
tokens, faster on a CPU (the token count is printed on stderr).`;

export const generateCommand: Command = {
  name: 'generate',
  summary: 'answer a question about an image (streams the answer)',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        image: { type: 'string' },
        question: { type: 'string' },
        'max-new-tokens': { type: 'string' },
        temperature: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
        seed: { type: 'string' },
        'pad-to-square': { type: 'boolean' },
        json: { type: 'boolean' },
        ...backendOption,
        'half-weights': { type: 'boolean' },
        ...pixelsOption,
      },
    });
    for (const flag of ['model', 'image', 'question'] as const) if (!v[flag]) throw new Error(`--${flag} is required\n${usage}`);
    const opts = {
      maxNewTokens: numberFlag(v['max-new-tokens'], '--max-new-tokens', ASK_RANGES.maxNewTokens) ?? 30,
      temperature: numberFlag(v.temperature, '--temperature', { min: 0, max: 100 }) ?? 0,
      topK: numberFlag(v['top-k'], '--top-k', { integer: true }) ?? 0,
      topP: numberFlag(v['top-p'], '--top-p', { min: 0, max: 1, aboveMin: true }) ?? 1,
      seed: numberFlag(v.seed, '--seed', { integer: true }) ?? 0,
    };
    const pixels = pixelsFromFlags(v);
    const image = readImageFile(v.image!);
    const release = await useBackend(v.backend, (s) => !v.json && io.stderr(s), v['wasm-arrays-mib']);
    try {
      return await answer(v, io, image, opts, pixels);
    } finally {
      release();
    }
  },
};

/** Loads the model and streams the answer. */
async function answer(v: { model?: string; question?: string; json?: boolean; 'pad-to-square'?: boolean; 'half-weights'?: boolean }, io: CommandIO, image: RgbImage, opts: Omit<GenerateOptions, 'onToken'>, pixels: PixelsOptions): Promise<number> {
  const session = await loadSession(v.model!, { halfWeights: v['half-weights'] });
  const t0 = performance.now();
  const p = prepare(session, image, v.question!, { padToSquare: v['pad-to-square'], ...pixels, maxNewTokens: opts.maxNewTokens });
  if (!v.json) io.stderr(`image tokens: ${p.rows}×${p.cols} = ${p.rows * p.cols}\n`);
  const { prompt, ids } = p;
  const embeds = noGrad(() => p.model.embedWithImageFeatures(ids, p.features).inputsEmbeds);
  const streamer = new TextStreamer(session.tokenizer);
  const streamed = (t: number): void => {
    if (!v.json) io.stdout(streamer.push(t));
  };
  const result = generate(p.model, embeds, { ...opts, onToken: streamed });
  if (!v.json) io.stdout(streamer.flush());
  const text = session.tokenizer.decode(result.tokens, { skipSpecial: true }).trim();
  const seconds = (performance.now() - t0) / 1000;
  if (v.json) io.stdout(`${JSON.stringify({ prompt, inputIds: ids, answer: text, tokens: result.tokens, finishReason: result.finishReason, seconds }, null, 2)}\n`);
  else io.stdout('\n');
  return 0;
}
