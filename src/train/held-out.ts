/** Held-out description accuracy of a trained model: greedy answers to fresh synthetic questions. */
import { llavaPrompt, type ChatTemplate } from '../io/chat-template.js';
import type { ClipProcessorConfig } from '../io/clip-preprocess.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { generate } from '../model/generate.js';
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import { Rng, noGrad } from '../tensor/index.js';
import { pixelBatch } from './conversation.js';
import { makeScene, multiObjectQA, singleObjectQA } from './synthetic.js';
import type { TrainOptions } from './train-default.js';

export interface HeldOutReport {
  questions: number;
  accuracy: number;
  byQuestion: Record<string, { n: number; correct: number }>;
  examples: Array<{ question: string; answer: string; output: string }>;
}

/** Greedy answers to fresh single- and multi-object description questions; exact-match accuracy. */
export function heldOutAccuracy(model: LlavaForConditionalGeneration, tok: Tokenizer, template: ChatTemplate, processor: ClipProcessorConfig, o: TrainOptions, n: number, seed = 987654): HeldOutReport {
  const rng = new Rng(seed);
  const grid = o.shape.imageSize / o.shape.patchSize;
  const byQuestion: HeldOutReport['byQuestion'] = {};
  const examples: HeldOutReport['examples'] = [];
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const single = i % 2 === 0;
    const scene = makeScene(rng, { size: o.shape.imageSize, radius: o.radius, grid, objects: single ? [1, 1] : [2, 4] });
    const qa = single ? singleObjectQA(rng, scene.objects[0]) : multiObjectQA(rng, scene.objects);
    const ids = tok.encode(llavaPrompt(qa.question, template));
    const output = noGrad(() => {
      const embeds = model.embed(ids, pixelBatch([scene.image], processor, model.backend)).inputsEmbeds;
      return tok.decode(generate(model, embeds, { maxNewTokens: 16, eosTokenId: tok.eosId }).tokens, { skipSpecial: true }).trim();
    });
    const key = qa.question.replace(/ a \w+ \w+ or a \w+ \w+\?/, ' a X or a Y?').replace('color', 'colour')
      .replace(/the \w+ object\?/, 'the C object?').replace(/is the (circle|square|triangle)\?/, 'is the S?');
    const entry = (byQuestion[key] ??= { n: 0, correct: 0 });
    entry.n++;
    if (output === qa.answer) {
      entry.correct++;
      correct++;
    }
    if (examples.length < 12) examples.push({ question: qa.question, answer: qa.answer, output });
  }
  return { questions: n, accuracy: n ? correct / n : 0, byQuestion, examples };
}
