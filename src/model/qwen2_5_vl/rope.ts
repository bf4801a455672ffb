/**
 * Multimodal RoPE of the Qwen2.5-VL decoder: three position ids per token (t, h, w) and the frequency
 * channels split between them by `mrope_section`.
 *
 * Mirrors: transformers modeling_qwen2_5_vl.py @ efa7189 — `Qwen2_5_VLForConditionalGeneration.get_rope_index`
 * (images: text runs count on from the largest position so far; an image's tokens get t = start,
 * h = start + row, w = start + col on the merged grid; videos are not supported here),
 * `Qwen2_5_VLRotaryEmbedding` (float32 inv_freq · position) and `apply_multimodal_rotary_pos_emb`
 * (channel chunks of mrope_section·2 take their cos/sin from axis i mod 3).
 */
import type { GridThw } from './vision-windows.js';
import { Tensor } from '../../tensor/index.js';

/** Position ids of a prompt: three rows (t, h, w) of T each, and the decode-time offset. */
export interface MropePositions {
  positionIds: [number[], number[], number[]];
  /** max position + 1 − T: decoding absolute row p ≥ T uses position p + ropeDelta on all three axes. */
  ropeDelta: number;
}

export interface RopeIndexConfig {
  image_token_id: number;
  video_token_id: number;
  vision_start_token_id: number;
  spatialMergeSize: number;
}

/** `get_rope_index` for one sequence (no padding) with images only; grids in prompt order. */
export function ropeIndex(ids: readonly number[], grids: readonly GridThw[], cfg: RopeIndexConfig): MropePositions {
  const rows: [number[], number[], number[]] = [[], [], []];
  const push = (t: number, h: number, w: number) => (rows[0].push(t), rows[1].push(h), rows[2].push(w));
  let next = 0; // max position so far + 1
  let st = 0;
  const starts = ids.flatMap((id, i) => (id === cfg.vision_start_token_id && i + 1 < ids.length ? [i + 1] : []));
  if (starts.some((i) => ids[i] === cfg.video_token_id)) throw new Error('get_rope_index: video inputs are not supported');
  const images = starts.filter((i) => ids[i] === cfg.image_token_id);
  if (images.length !== grids.length) {
    throw new Error(`get_rope_index: ${images.length} image(s) after <|vision_start|> (id ${cfg.vision_start_token_id}) in the prompt but ${grids.length} image_grid_thw row(s)`);
  }
  const sms = cfg.spatialMergeSize;
  grids.forEach(([t, h, w], k) => {
    const ed = ids.indexOf(cfg.image_token_id, st);
    const [gh, gw] = [h / sms, w / sms];
    const n = t * gh * gw;
    if (ed < 0 || !ids.slice(ed, ed + n).every((id) => id === cfg.image_token_id) || ids[ed + n] === cfg.image_token_id) {
      throw new Error(`get_rope_index: image ${k} (grid [${t}, ${h}, ${w}]) needs ${n} consecutive <|image_pad|> ids (id ${cfg.image_token_id}) at position ${ed}`);
    }
    for (let i = st; i < ed; i++) push(next + i - st, next + i - st, next + i - st);
    const base = next + ed - st;
    for (let f = 0; f < t; f++) for (let i = 0; i < gh; i++) for (let j = 0; j < gw; j++) push(base, base + i, base + j); // images: t index 0
    next = base + Math.max(gh - 1, gw - 1) + 1; // the image block's largest position + 1
    st = ed + n;
  });
  for (let i = st; i < ids.length; i++) push(next + i - st, next + i - st, next + i - st);
  const max = Math.max(...rows[0], ...rows[1], ...rows[2]);
  return { positionIds: rows, ropeDelta: ids.length ? max + 1 - ids.length : 0 };
}

/** The positions (3 axes) of rows offset..offset+T−1: the prompt's own ids, then p + ropeDelta. */
export function positionsFor(rope: MropePositions | undefined, offset: number, T: number): [number[], number[], number[]] {
  const out: [number[], number[], number[]] = [[], [], []];
  const T0 = rope ? rope.positionIds[0].length : 0;
  for (let p = offset; p < offset + T; p++) {
    for (let a = 0; a < 3; a++) out[a].push(p < T0 ? rope!.positionIds[a][p] : p + (rope?.ropeDelta ?? 0));
  }
  return out;
}

/**
 * cos/sin tables [T, D] for M-RoPE: channel i (and i + D/2) rotates by position[axis(i)] · inv_freq_i,
 * axis(i) = the mrope_section chunk i falls in; values rounded to float32 as HF computes them.
 */
export function mropeCosSin(pos: readonly (readonly number[])[], headDim: number, theta: number, section: readonly number[], like: Tensor) {
  const f = Math.fround;
  const half = headDim / 2;
  const invFreq = Array.from({ length: half }, (_, i) => f(1 / f(Math.pow(theta, f((2 * i) / headDim)))));
  const axis = section.flatMap((n, a) => Array<number>(n).fill(a)); // [D/2]
  const T = pos[0].length;
  const cos = like.dtype === 'float64' ? new Float64Array(T * headDim) : new Float32Array(T * headDim);
  const sin = cos.slice();
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = f(pos[axis[i]][t] * invFreq[i]);
      const [c, s] = [f(Math.cos(angle)), f(Math.sin(angle))];
      cos[t * headDim + i] = cos[t * headDim + i + half] = c;
      sin[t * headDim + i] = sin[t * headDim + i + half] = s;
    }
  }
  return { cos: Tensor.of(cos, [T, headDim], like.backend), sin: Tensor.of(sin, [T, headDim], like.backend) };
}
