/**
 * `prepare` for Qwen2.5-VL (see session.ts): Qwen2-VL processor (smart_resize; --min/--max-pixels) →
 * vision tower once → chat prompt with the lone <|image_pad|> expanded to one id per merged token →
 * M-RoPE positions → the model bound to them. Regions: boxes, mapped as the official ControlMLLM++ code
 * does (grid-box.ts: floor/ceil on the merged grid over the whole original image, no crop).
 */
import { qwenPrompt } from '../io/chat-template-qwen.js';
import type { RgbImage } from '../io/image.js';
import { preprocessQwen, withPixels } from '../io/qwen2-vl-preprocess.js';
import { checkContextLength } from '../model/generate.js';
import { expandImagePads, mergedTokenCount } from '../model/qwen2_5_vl/model.js';
import { fromArray, noGrad } from '../tensor/index.js';
import { boxMask } from './grid-box.js';
import { RegionError } from './regions.js';
import type { PrepareOptions, Prepared, QwenSession } from './session.js';

export function prepareQwen(session: QwenSession, image: RgbImage, question: string, opts: PrepareOptions): Prepared {
  const { model, tokenizer } = session;
  const cfg = model.config;
  const sms = cfg.vision_config.spatial_merge_size;
  const p = preprocessQwen(image, withPixels(session.processor, opts));
  const pixels = fromArray(p.pixelValues, [p.pixelValues.length / model.visual.patchDim, model.visual.patchDim], { dtype: model.dtype, backend: model.backend });
  const features = noGrad(() => model.encodeImage(pixels, [p.gridThw]).imageEmbeds); // [N, C]
  const prompt = qwenPrompt(question, session.template);
  const raw = tokenizer.encode(prompt);
  const pads = raw.filter((id) => id === cfg.image_token_id).length;
  if (pads !== 1) throw new Error(`prompt '${prompt}' has ${pads} <|image_pad|> ids (id ${cfg.image_token_id}) after tokenisation, expected 1; check the chat template and tokenizer`);
  const ids = expandImagePads(raw, cfg.image_token_id, [mergedTokenCount(p.gridThw, sms)]);
  checkContextLength(cfg.text_config, ids.length, opts.maxNewTokens ?? 0);
  const [rows, cols] = [p.gridThw[1] / sms, p.gridThw[2] / sms];
  return {
    prompt, ids, features, rows, cols, geometry: null,
    model: model.forPrompt(model.ropeIndex(ids, [p.gridThw])),
    numLayers: cfg.text_config.num_hidden_layers,
    regionWeights: (region) => {
      if (region.type !== 'box') throw new RegionError(`Qwen2.5-VL: only box regions are implemented (as in the official ControlMLLM++ code), got a ${region.type}`);
      const grid = cols; // RegionWeights is shaped for square grids; the weights are rows × cols, row-major
      const [a, b, c, d] = region.box;
      const xyxy = region.format === 'xyxy' ? [a, b, c, d] : [Math.trunc(a), Math.trunc(b), Math.trunc(a + c), Math.trunc(b + d)]; // the official int(x), int(x + w)
      return { grid, weights: boxMask(xyxy, image.width, image.height, rows, cols), soft: false };
    },
  };
}
