/**
 * A loaded model with everything needed to go from an image and a question to ids and back — the model,
 * its tokenizer, the image processor config and the chat template — for either family, and `prepare`,
 * the ONE interface the pipeline, `generate`, `trace` and the page use: image + question → the prompt's
 * ids, the constant image features the latent is added to, the token grid, region → grid weights, and the
 * model bound to this prompt (a new family is a new `prepare…` function, not edits across the tree).
 */
import type { ChatTemplate } from '../io/chat-template.js';
import { llavaPrompt } from '../io/chat-template.js';
import type { ClipProcessorConfig } from '../io/clip-preprocess.js';
import { preprocess } from '../io/clip-preprocess.js';
import type { PreprocessGeometry } from '../io/clip-preprocess-geometry.js';
import type { RgbImage } from '../io/image.js';
import type { QwenProcessorConfig } from '../io/qwen2-vl-preprocess.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { numImageTokens } from '../model/config.js';
import { checkContextLength, type Decoder } from '../model/generate.js';
import type { LlavaForConditionalGeneration } from '../model/llava.js';
import type { Qwen25VLForConditionalGeneration } from '../model/qwen2_5_vl/model.js';
import { fromArray, noGrad, type Tensor } from '../tensor/index.js';
import type { PrefillModel } from './objective.js';
import { regionWeights, type RegionWeights, type VisualPrompt } from './regions.js';
import { prepareQwen } from './session-qwen.js';

interface SessionParts {
  name: string;
  tokenizer: Tokenizer;
  template: ChatTemplate;
}
export interface LlavaSession extends SessionParts {
  family: 'llava';
  model: LlavaForConditionalGeneration;
  processor: ClipProcessorConfig;
}
export interface QwenSession extends SessionParts {
  family: 'qwen2_5_vl';
  model: Qwen25VLForConditionalGeneration;
  processor: QwenProcessorConfig;
}
export type Session = LlavaSession | QwenSession;

/** The seams of a model bound to one prompt: the prefill (embed + attention) and generation. */
export type PromptModel = PrefillModel & Decoder;

export interface PrepareOptions {
  /** LLaVA: original "pad" mode (expand2square) before the processor. */
  padToSquare?: boolean;
  /** Qwen2.5-VL: override the processor's min_pixels / max_pixels (fewer pixels: fewer tokens, faster). */
  minPixels?: number;
  maxPixels?: number;
  /** New tokens to be generated: the prompt plus these must fit the model's context (checked). */
  maxNewTokens?: number;
}

export interface Prepared {
  prompt: string;
  ids: number[];
  /** Constant image features the latent is added to: [1, N, C] (LLaVA) or [N, C] (Qwen2.5-VL). */
  features: Tensor;
  /** The image-token grid (N = rows · cols, row-major). */
  rows: number;
  cols: number;
  /** LLaVA's pad/resize/crop geometry (for heatmaps); null for Qwen2.5-VL's rectangular grids. */
  geometry: PreprocessGeometry | null;
  model: PromptModel;
  numLayers: number;
  /** A visual prompt on the original image → weights over the grid (hard 0/1 or soft with σ). */
  regionWeights(region: VisualPrompt, sigma: number): RegionWeights;
}

/** Everything question- and image-specific, for either family. */
export function prepare(session: Session, image: RgbImage, question: string, opts: PrepareOptions = {}): Prepared {
  if (session.family === 'qwen2_5_vl') return prepareQwen(session, image, question, opts);
  const { prompt, ids } = promptIds(session, question, opts.maxNewTokens ?? 0); // the context checked before the image is encoded
  const { features, geometry } = encodeImage(session, image, opts.padToSquare);
  const grid = Math.round(Math.sqrt(features.shape[1]));
  if (grid * grid !== features.shape[1]) throw new Error(`${features.shape[1]} image tokens do not form a square grid`);
  return {
    prompt, ids, features, rows: grid, cols: grid, geometry, model: session.model,
    numLayers: session.model.config.text_config.num_hidden_layers,
    regionWeights: (region, sigma) => regionWeights(region, geometry, grid, sigma),
  };
}

/**
 * The LLaVA prompt for a question, and its ids (one `<image>` id, expanded by the model). The expanded
 * prompt plus `newTokens` must fit the model's context; checked here, before any image is encoded.
 */
export function promptIds(session: LlavaSession, question: string, newTokens = 0): { prompt: string; ids: number[] } {
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
export function encodeImage(session: LlavaSession, image: RgbImage, padToSquare = false) {
  const p = preprocess(image, session.processor, { padToSquare });
  const expected = session.model.config.vision_config.image_size;
  if (p.size !== expected) {
    throw new Error(`the image processor produces ${p.size}×${p.size} images but the vision tower expects ${expected}×${expected}`);
  }
  const pixels = fromArray(p.pixelValues, [1, 3, p.size, p.size], { dtype: session.model.dtype, backend: session.model.backend });
  const features: Tensor = noGrad(() => session.model.encodeImage(pixels).imageFeatures); // [1, N, C]
  return { features, geometry: p.geometry };
}
