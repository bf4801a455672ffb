/**
 * `controlmllm trace` on a Qwen2.5-VL folder: the intermediates named as test/fixtures/tiny-qwen25vl
 * stores them —
 *   vision_patch_embed [N,C_v]  vision_rotary_pos_emb [N,D/2]  vision_window_index  vision_cu_window_seqlens
 *   vision_cu_seqlens  vision_blocks.i [N,C_v] (window order)  vision_merger_out_window_order  image_embeds [N/4,C]
 *   position_ids [3,1,T]  rope_deltas [1,1]  merged_inputs_embeds [1,T,C]  decoder_hidden_states.i
 *   attentions.i [1,H,T,T]  logits [1,T,V]  image_token_positions  greedy_new_tokens [1,n]
 * and, with --region-mask, the method's outputs (trace-controlmllm.ts). Inputs: --input-ids + the
 * processor's --pixel-values [N, 1176] + --image-grid-thw t,h,w, or --image + --question (then
 * pixel_values, image_grid_thw and input_ids are written too).
 */
import { prepareQwen } from '../../controlmllm/session-qwen.js';
import { loadSession } from '../../controlmllm/session-node.js';
import { readImageFile } from '../../io/image-node.js';
import { preprocessQwen, withPixels } from '../../io/qwen2-vl-preprocess.js';
import { generate } from '../../model/generate.js';
import { loadQwen25VL } from '../../model/qwen2_5_vl/load-node.js';
import type { Qwen25VLForConditionalGeneration } from '../../model/qwen2_5_vl/model.js';
import type { GridThw } from '../../model/qwen2_5_vl/vision-windows.js';
import type { TensorToWrite } from '../../safetensors/index.js';
import { fromArray, noGrad, type Tensor } from '../../tensor/index.js';
import { f32, i64, readTensor, traceMethod, type TraceRequest } from './trace.js';

interface QwenInputs {
  model: Qwen25VLForConditionalGeneration;
  ids: number[];
  pixels: Tensor; // [N, 1176]
  grid: GridThw;
  extra: TensorToWrite[];
}

async function qwenInputs(request: TraceRequest): Promise<QwenInputs> {
  if (request.input.kind === 'tensors') {
    const { gridThw } = request.input;
    if (!gridThw) throw new Error(`${request.model} is a Qwen2.5-VL folder: --pixel-values needs --image-grid-thw t,h,w`);
    return { model: loadQwen25VL(request.model), ids: request.input.inputIds, pixels: readTensor(request.input.pixels), grid: gridThw, extra: [] };
  }
  const session = await loadSession(request.model);
  if (session.family !== 'qwen2_5_vl') throw new Error(`${request.model}: expected a Qwen2.5-VL folder`);
  const image = readImageFile(request.input.image);
  const p = preprocessQwen(image, withPixels(session.processor, request.pixels));
  const { ids } = prepareQwen(session, image, request.input.question, request.pixels);
  const pixels = fromArray(p.pixelValues, [p.pixelValues.length / session.model.visual.patchDim, session.model.visual.patchDim], { backend: session.model.backend });
  const extra = [f32('pixel_values', pixels), i64('image_grid_thw', [1, 3], p.gridThw), i64('input_ids', [1, ids.length], ids)];
  return { model: session.model, ids, pixels, grid: p.gridThw, extra };
}

export async function traceQwen(request: TraceRequest): Promise<TensorToWrite[]> {
  const { model, ids, pixels, grid, extra } = await qwenInputs(request);
  const rope = model.ropeIndex(ids, [grid]);
  const prompt = model.forPrompt(rope);
  const run = noGrad(() => {
    const vision = model.encodeImage(pixels, [grid], { outputBlocks: true });
    const merged = model.embedWithImageFeatures(ids, vision.imageEmbeds);
    const out = model.decode(merged.inputsEmbeds, { rope, captureAttention: 'all', outputHiddenStates: true });
    return { vision, merged, out };
  });
  const { vision, merged, out } = run;
  const L = vision.layout;
  const T = ids.length;
  const tensors: TensorToWrite[] = [
    f32('vision_patch_embed', vision.patchEmbeds),
    f32('vision_rotary_pos_emb', model.visual.rotaryPosEmb([grid], pixels)),
    i64('vision_window_index', [L.windowIndex.length], L.windowIndex),
    i64('vision_cu_window_seqlens', [L.cuWindowSeqlens.length], L.cuWindowSeqlens),
    i64('vision_cu_seqlens', [L.cuSeqlens.length], L.cuSeqlens),
    ...vision.blocks!.map((b, i) => f32(`vision_blocks.${i}`, b)),
    f32('vision_merger_out_window_order', vision.mergerOutWindowOrder!),
    f32('image_embeds', vision.imageEmbeds),
    i64('position_ids', [3, 1, T], rope.positionIds.flat()),
    i64('rope_deltas', [1, 1], [rope.ropeDelta]),
    i64('image_token_positions', [merged.imageSpan.length], Array.from({ length: merged.imageSpan.length }, (_, i) => merged.imageSpan.start + i)),
    f32('merged_inputs_embeds', merged.inputsEmbeds),
    ...out.hiddenStates!.map((h, i) => f32(`decoder_hidden_states.${i}`, h)),
    ...[...out.attentions].map(([layer, p]) => f32(`attentions.${layer}`, p)),
    f32('logits', out.logits),
    ...extra,
  ];
  if (request.newTokens > 0) {
    const { tokens } = generate(prompt, merged.inputsEmbeds, { maxNewTokens: request.newTokens, eosTokenId: null });
    tensors.push(i64('greedy_new_tokens', [1, tokens.length], tokens));
  }
  const target = { model: prompt, numLayers: model.config.text_config.num_hidden_layers, family: 'qwen2_5_vl' as const };
  tensors.push(...traceMethod(request, target, ids, vision.imageEmbeds));
  return tensors;
}
