/**
 * A loaded model with everything needed to go from an image and a question to ids and back:
 * the LLaVA model, its tokenizer, the image processor config and the chat template.
 */
import type { ChatTemplate } from '../io/chat-template.js';
import { llavaPrompt } from '../io/chat-template.js';
import type { ClipProcessorConfig } from '../io/clip-preprocess.js';
import { preprocess } from '../io/clip-preprocess.js';
import type { RgbImage } from '../io/image.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { numImageTokens } from '../model/config.js';
import { checkContextLength } from '../model/generate.js';
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import { fromArray, noGrad, type Tensor } from '../tensor/index.js';

export interface Session {
  name: string;
  model: LlavaForConditionalGeneration;
  tokenizer: Tokenizer;
  processor: ClipProcessorConfig;
  template: ChatTemplate;
}

/**
 * The LLaVA prompt for a question, and its ids (one `<image>` id, expanded by the model). The expanded
 * prompt plus `newTokens` must fit the model's context; checked here, before any image is encoded.
 */
export function promptIds(session: Session, question: string, newTokens = 0): { prompt: string; ids: number[] } {
  const prompt = llavaPrompt(question, session.template);
  const ids = session.tokenizer.encode(prompt);
  const imageId = session.model.config.image_token_index;
  if (!ids.includes(imageId)) {
    throw new Error(`prompt '${prompt}' has no image token (id ${imageId}) after tokenisation; check the chat template and tokenizer`);
  }
  const imageTokens = ids.filter((id) => id === imageId).length;
  checkContextLength(session.model.config.text_config, ids.length + imageTokens * (numImageTokens(session.model.config) - 1), newTokens);
  return { prompt, ids };
}

/** Preprocesses the image and runs the vision tower + projector once (no gradient needed there). */
export function encodeImage(session: Session, image: RgbImage, padToSquare = false) {
  const p = preprocess(image, session.processor, { padToSquare });
  const expected = session.model.config.vision_config.image_size;
  if (p.size !== expected) {
    throw new Error(`the image processor produces ${p.size}×${p.size} images but the vision tower expects ${expected}×${expected}`);
  }
  const pixels = fromArray(p.pixelValues, [1, 3, p.size, p.size], { dtype: session.model.dtype, backend: session.model.backend });
  const features: Tensor = noGrad(() => session.model.encodeImage(pixels).imageFeatures); // [1, N, C]
  return { features, geometry: p.geometry };
}
