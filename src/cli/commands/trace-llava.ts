/**
 * `controlmllm trace` on a LLaVA folder: the intermediates named as test/fixtures/tiny-llava stores them
 * (see trace.ts), handed to the file one by one as they are made, greedy tokens, and with --region-mask
 * the method's outputs (trace-controlmllm.ts).
 */
import { promptIds } from '../../controlmllm/session.js';
import { loadSession } from '../../controlmllm/session-node.js';
import { preprocess } from '../../io/clip-preprocess.js';
import { readImageFile } from '../../io/image-node.js';
import { generate } from '../../model/generate.js';
import { loadLlava } from '../../model/load-node.js';
import { imageTokenPositions, type LlavaForConditionalGeneration } from '../../model/llava.js';
import type { TensorToWrite } from '../../safetensors/index.js';
import { fromArray, noGrad, type Tensor } from '../../tensor/index.js';
import { f32, i64, readTensor, traceMethod, type TraceRequest } from './trace.js';

/** LLaVA: the forward's intermediates, greedy tokens, and the method's outputs when a region is given, each handed to `add` when made. */
export async function traceLlava(request: TraceRequest, add: (t: TensorToWrite) => void): Promise<void> {
  const { model, ids, pixels, extra } = await traceInputs(request);
  const { inputsEmbeds, imageFeatures } = traceForward(model, ids, pixels, add);
  extra.forEach(add);
  if (request.newTokens > 0) add(traceGreedy(model, inputsEmbeds, request.newTokens));
  traceMethod(request, { model, numLayers: model.config.text_config.num_hidden_layers, family: 'llava' }, ids, imageFeatures).forEach(add);
}

export function traceForward(model: LlavaForConditionalGeneration, ids: readonly number[], pixels: Tensor, add: (t: TensorToWrite) => void) {
  return noGrad(() => {
    const vision = model.encodeImage(pixels, { allHiddenStates: true });
    vision.hiddenStates.forEach((h, i) => add(f32(`vision_hidden_states.${i}`, h)));
    add(f32('vision_selected_features', vision.selected));
    add(f32('image_features', vision.imageFeatures));
    const merged = model.embedWithImageFeatures(ids, vision.imageFeatures);
    add(f32('merged_inputs_embeds', merged.inputsEmbeds));
    // layer by layer: each layer's input and attention go to the file and are dropped
    const { normed, logits } = model.language_model.streamLayers(merged.inputsEmbeds, (i, input, probs) => {
      add(f32(`decoder_hidden_states.${i}`, input));
      add(f32(`attentions.${i}`, probs));
    });
    add(f32(`decoder_hidden_states.${model.config.text_config.num_hidden_layers}`, normed));
    add(f32('logits', logits));
    add(i64('image_token_positions', [merged.imageSpan.length], imageTokenPositions(merged.imageSpan)));
    return { inputsEmbeds: merged.inputsEmbeds, imageFeatures: vision.imageFeatures };
  });
}

/** n greedy tokens after the prefill (no EOS stop, as the fixture), as `greedy_new_tokens` [1, n]. */
export function traceGreedy(model: LlavaForConditionalGeneration, inputsEmbeds: Tensor, n: number): TensorToWrite {
  const { tokens } = generate(model, inputsEmbeds, { maxNewTokens: n, eosTokenId: null });
  return i64('greedy_new_tokens', [1, tokens.length], tokens);
}

/** The model and its inputs: given ids + pixels, or an image + question through the session's processor. */
async function traceInputs(request: TraceRequest) {
  if (request.input.kind === 'tensors') {
    return { model: loadLlava(request.model, { halfWeights: request.halfWeights }), ids: request.input.inputIds, pixels: readTensor(request.input.pixels), extra: [] as TensorToWrite[] };
  }
  const session = await loadSession(request.model, { halfWeights: request.halfWeights });
  if (session.family !== 'llava') throw new Error(`${request.model}: expected a LLaVA folder`);
  const image = readImageFile(request.input.image);
  const p = preprocess(image, session.processor, { padToSquare: request.input.padToSquare, source: request.input.image });
  const pixels = fromArray(p.pixelValues, [1, 3, p.size, p.size]);
  const { ids } = promptIds(session, request.input.question, request.newTokens);
  return { model: session.model, ids, pixels, extra: [f32('pixel_values', pixels), i64('input_ids', [1, ids.length], ids)] };
}
