/**
 * The Qwen2.5-VL vision tower: Conv3d patch embedding → 2-D rotary → blocks with window attention (and
 * full attention in `fullatt_block_indexes`) → 2×2 patch merger to the text width.
 *
 * Mirrors: transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ efa7189 — Qwen2_5_VisionPatchEmbed,
 * Qwen2_5_VisionRotaryEmbedding, Qwen2_5_VLVisionAttention (eager), Qwen2_5_VLVisionBlock, Qwen2_5_VLPatchMerger,
 * Qwen2_5_VisionTransformerPretrainedModel.forward. Window bookkeeping: vision-windows.ts.
 * Key prefix: `visual.` (patch_embed.proj, blocks.i.{norm1, norm2, attn.{qkv, proj}, mlp}, merger.{ln_q, mlp.0, mlp.2}).
 *
 * In:  pixel_values [N, C_in·T_p·P·P] in the processor's merge-block row order, image_grid_thw per image.
 * Out: image embeddings [N/sms², C_out] in row-major merged-grid order (the rows that replace <|image_pad|>),
 *      optionally every block's output (in HF's internal window-permuted order).
 */
import type { Qwen25VisionConfig } from './config.js';
import { inversePermutation, patchPositions, windowLayout, type GridThw, type WindowLayout } from './vision-windows.js';
import { Linear, Params, RMSNorm } from '../layers.js';
import { LlamaMlp } from '../llama.js';
import { Tensor, applyRope, attention, cat, gather, gelu } from '../../tensor/index.js';

/** RMSNorm eps of the vision tower (hard-coded 1e-6 in HF). */
const VISION_EPS = 1e-6;
const ROTARY_THETA = 10000;

/** cos/sin of emb = cat(rot, rot), rounded to float32 as torch does: rot [N, D/2] → [N, D] each. */
function rotaryCosSin(rot: Tensor) {
  const [N, half] = rot.shape;
  const a = rot.toTypedArray();
  const cos = rot.dtype === 'float64' ? new Float64Array(2 * a.length) : new Float32Array(2 * a.length);
  const sin = cos.slice();
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < half; i++) {
      const [c, s] = [Math.fround(Math.cos(a[n * half + i])), Math.fround(Math.sin(a[n * half + i]))];
      cos[n * 2 * half + i] = cos[n * 2 * half + half + i] = c;
      sin[n * 2 * half + i] = sin[n * 2 * half + half + i] = s;
    }
  }
  return { cos: Tensor.of(cos, [N, 2 * half], rot.backend), sin: Tensor.of(sin, [N, 2 * half], rot.backend) };
}

/** Qwen2_5_VLVisionAttention: fused qkv with bias, 2-D RoPE, attention inside each [cu[i], cu[i+1]) span. */
export class VisionAttention {
  readonly qkv: Linear;
  readonly proj: Linear;
  constructor(p: Params, private readonly cfg: Qwen25VisionConfig) {
    const C = cfg.hidden_size;
    this.qkv = new Linear(p.at('qkv'), C, 3 * C, true);
    this.proj = new Linear(p.at('proj'), C, C, true);
  }

  /** x [N, C], cos/sin [N, D], spans cu (in rows) → [N, C]. */
  forward(x: Tensor, cos: Tensor, sin: Tensor, cu: readonly number[]): Tensor {
    const [N, C] = x.shape;
    const H = this.cfg.num_heads;
    const D = C / H;
    const qkv = this.qkv.forward(x).reshape([N, 3, H, D]).permute([1, 2, 0, 3]).unsqueeze(1); // [3, 1, H, N, D]
    const q = applyRope(qkv.select(0, 0), cos, sin); // [1, H, N, D]
    const k = applyRope(qkv.select(0, 1), cos, sin);
    const v = qkv.select(0, 2);
    const outs: Tensor[] = [];
    for (let i = 0; i + 1 < cu.length; i++) {
      const span = (t: Tensor) => t.slice(2, cu[i], cu[i + 1]);
      outs.push(attention(span(q), span(k), span(v)).out); // [1, H, n, D]
    }
    const out = outs.length === 1 ? outs[0] : cat(outs, 2); // [1, H, N, D]
    return this.proj.forward(out.squeeze(0).transpose(0, 1).reshape([N, C]));
  }
}

/** Qwen2_5_VLVisionBlock: h + attn(norm1(h)), then h + mlp(norm2(h)). */
export class VisionBlock {
  readonly norm1: RMSNorm;
  readonly norm2: RMSNorm;
  readonly attn: VisionAttention;
  readonly mlp: LlamaMlp;
  constructor(p: Params, cfg: Qwen25VisionConfig) {
    this.norm1 = new RMSNorm(p.at('norm1'), cfg.hidden_size, VISION_EPS);
    this.norm2 = new RMSNorm(p.at('norm2'), cfg.hidden_size, VISION_EPS);
    this.attn = new VisionAttention(p.at('attn'), cfg);
    this.mlp = new LlamaMlp(p.at('mlp'), { ...cfg, mlp_bias: true }); // Qwen2_5_VLMLP(bias=True)
  }
  forward(h: Tensor, cos: Tensor, sin: Tensor, cu: readonly number[]): Tensor {
    const a = h.add(this.attn.forward(this.norm1.forward(h), cos, sin, cu));
    return a.add(this.mlp.forward(this.norm2.forward(a)));
  }
}

/** Qwen2_5_VLPatchMerger: RMSNorm → sms² rows side by side → Linear → GELU → Linear. */
export class PatchMerger {
  readonly ln_q: RMSNorm;
  readonly mlp: { 0: Linear; 2: Linear };
  constructor(p: Params, private readonly cfg: Qwen25VisionConfig) {
    const C = cfg.hidden_size;
    const wide = C * cfg.spatial_merge_size ** 2;
    this.ln_q = new RMSNorm(p.at('ln_q'), C, VISION_EPS);
    const mlp = p.at('mlp');
    this.mlp = { 0: new Linear(mlp.at(0), wide, wide, true), 2: new Linear(mlp.at(2), wide, cfg.out_hidden_size, true) };
  }
  /** [N, C] → [N/sms², C_out]. */
  forward(x: Tensor): Tensor {
    const wide = this.cfg.hidden_size * this.cfg.spatial_merge_size ** 2;
    const y = this.ln_q.forward(x).reshape([x.shape[0] / this.cfg.spatial_merge_size ** 2, wide]);
    return this.mlp[2].forward(gelu(this.mlp[0].forward(y)));
  }
}

export interface VisionOutput {
  imageEmbeds: Tensor; // [N/sms², C_out], row-major merged-grid order
  patchEmbeds: Tensor; // [N, C], processor order
  layout: WindowLayout;
  /** Block outputs in window-permuted order (with `outputBlocks`). */
  blocks?: Tensor[];
  mergerOutWindowOrder?: Tensor;
}

/** Qwen2_5_VisionTransformerPretrainedModel (`visual`). */
export class Qwen25VisionTransformer {
  readonly patch_embed: { proj: { weight: Tensor } }; // [C, C_in, T_p, P, P]
  readonly blocks: VisionBlock[];
  readonly merger: PatchMerger;

  constructor(p: Params, readonly config: Qwen25VisionConfig) {
    const { hidden_size: C, in_channels, temporal_patch_size: Tp, patch_size: P } = config;
    this.patch_embed = { proj: { weight: p.at('patch_embed').at('proj').get('weight', [C, in_channels, Tp, P, P]) } };
    const blocks = p.at('blocks');
    this.blocks = Array.from({ length: config.depth }, (_, i) => new VisionBlock(blocks.at(i), config));
    this.merger = new PatchMerger(p.at('merger'), config);
  }

  /** Values per pixel_values row: C_in · T_p · P · P. */
  get patchDim(): number {
    const c = this.config;
    return c.in_channels * c.temporal_patch_size * c.patch_size ** 2;
  }

  /** Conv3d with stride = kernel on rows that are already patches: a matmul. [N, patchDim] → [N, C]. */
  patchEmbed(pixelValues: Tensor): Tensor {
    const W = this.patch_embed.proj.weight;
    return pixelValues.matmul(W.reshape([W.shape[0], this.patchDim]).transpose(0, 1));
  }

  /** `rot_pos_emb`: per patch [h·f, w·f] for the D/4 inverse frequencies, processor order: [N, D/2]. */
  rotaryPosEmb(grids: readonly GridThw[], like: Tensor): Tensor {
    const f = Math.fround;
    const dim = this.config.hidden_size / this.config.num_heads / 2;
    const invFreq = Array.from({ length: dim / 2 }, (_, i) => f(1 / f(Math.pow(ROTARY_THETA, f((2 * i) / dim)))));
    const pos = patchPositions(grids, this.config.spatial_merge_size);
    const out = like.dtype === 'float64' ? new Float64Array(pos.length * dim) : new Float32Array(pos.length * dim);
    pos.forEach(([h, w], n) => invFreq.forEach((fr, i) => {
      out[n * dim + i] = f(h * fr);
      out[n * dim + dim / 2 + i] = f(w * fr);
    }));
    return Tensor.of(out, [pos.length, dim], like.backend);
  }

  /** pixel_values [N, patchDim] + grids → image embeddings (see VisionOutput). */
  forward(pixelValues: Tensor, grids: readonly GridThw[], opts: { outputBlocks?: boolean } = {}): VisionOutput {
    const c = this.config;
    const N = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
    if (pixelValues.ndim !== 2 || pixelValues.shape[0] !== N || pixelValues.shape[1] !== this.patchDim) {
      throw new Error(`visual: pixel_values [${pixelValues.shape.join(', ')}] do not match image_grid_thw ${JSON.stringify(grids)} (expected [${N}, ${this.patchDim}])`);
    }
    const unit = c.spatial_merge_size ** 2;
    const layout = windowLayout(grids, { windowSize: c.window_size, patchSize: c.patch_size, spatialMergeSize: c.spatial_merge_size });
    const toWindows = (x: Tensor) => gather(x.reshape([N / unit, unit * x.shape[1]]), layout.windowIndex).reshape([N, x.shape[1]]);
    const patchEmbeds = this.patchEmbed(pixelValues); // [N, C]
    const { cos, sin } = rotaryCosSin(toWindows(this.rotaryPosEmb(grids, pixelValues))); // [N, D], window order
    let h = toWindows(patchEmbeds);
    const blocks: Tensor[] = [];
    this.blocks.forEach((block, i) => {
      h = block.forward(h, cos, sin, c.fullatt_block_indexes.includes(i) ? layout.cuSeqlens : layout.cuWindowSeqlens);
      if (opts.outputBlocks) blocks.push(h);
    });
    const merged = this.merger.forward(h); // [N/unit, C_out], window order
    const imageEmbeds = gather(merged, inversePermutation(layout.windowIndex)); // row-major merged order
    const out: VisionOutput = { imageEmbeds, patchEmbeds, layout };
    if (opts.outputBlocks) Object.assign(out, { blocks, mergerOutWindowOrder: merged });
    return out;
  }
}
