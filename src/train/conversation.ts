/** Training inputs: a multi-turn conversation as ids with answer-only labels, and a pixel batch. */
import type { ChatTemplate } from '../io/chat-template.js';
import { llavaPrompt } from '../io/chat-template.js';
import { preprocess, type ClipProcessorConfig } from '../io/clip-preprocess.js';
import type { RgbImage } from '../io/image.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { Backend } from '../kernels/backend.js';
import { Tensor, fromArray } from '../tensor/index.js';
import type { QA } from './synthetic.js';

export interface Encoded {
  prefix: number[];
  suffix: number[];
  labels: number[];
}

/** A conversation as ids: prefix up to <image>, the rest with labels on answer tokens and </s>. */
export function encodeConversation(tok: Tokenizer, template: ChatTemplate, imageId: number, turns: readonly QA[]): Encoded {
  const first = tok.encode(llavaPrompt(turns[0].question, template));
  const at = first.indexOf(imageId);
  if (at < 0) throw new Error('encodeConversation: the prompt has no image token');
  const suffix: number[] = [];
  const labels: number[] = [];
  const push = (ids: number[], supervised: boolean) => {
    suffix.push(...ids);
    labels.push(...(supervised ? ids : ids.map(() => -100)));
  };
  push(first.slice(at + 1), false);
  turns.forEach((t, i) => {
    if (i > 0) push(tok.encode(`USER: ${t.question} ASSISTANT:`, { addBos: false }), false);
    push([...tok.encode(` ${t.answer}`, { addBos: false }), tok.eosId], true);
  });
  return { prefix: first.slice(0, at + 1), suffix, labels };
}

/** [B, 3, S, S] normalised pixels of `images` on `backend`. */
export function pixelBatch(images: readonly RgbImage[], processor: ClipProcessorConfig, backend: Backend): Tensor {
  const S = processor.cropSize.height;
  const data = new Float32Array(images.length * 3 * S * S);
  images.forEach((img, b) => data.set(preprocess(img, processor).pixelValues, b * 3 * S * S));
  return fromArray(data, [images.length, 3, S, S], { backend });
}
