/**
 * Ask about a region: the whole ControlMLLM run for one image, question and visual prompt(s).
 *
 *   image → CLIP features (once) → prompt ids → baseline answer from the unedited prefill
 *   region(s) → grid weights → optimise the latent on the prefill (v1 or ++) → controlled answer
 *   from the edited prefill (KV cache), pooled attention before/after for heatmaps.
 */
import type { PreprocessGeometry } from '../io/clip-preprocess-geometry.js';
import type { RgbImage } from '../io/image.js';
import { TextStreamer } from '../io/text-streamer.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { generate } from '../model/generate.js';
import { resolveLayerIndices } from '../model/decode-options.js';
import { noGrad, type Tensor } from '../tensor/index.js';
import { contrastiveGenerate, type ContrastiveOptions } from './contrastive.js';
import { insideRatio } from './energy.js';
import { optimizeLatent, type OptimizeResult, type StepInfo } from './optimize.js';
import type { RegionWeights, VisualPrompt } from './regions.js';
import { prepare, type PrepareOptions, type Prepared, type Session } from './session.js';

export type Method = 'v1' | 'pp';

export interface AskInput {
  image: RgbImage;
  question: string;
  regions: readonly VisualPrompt[];
}

export interface AskOptions extends PrepareOptions {
  method?: Method;
  /** v1: iterations T (5); ++: Adam steps (3). */
  steps?: number;
  /** Energy scale α (400). */
  alpha?: number;
  /** v1: 1; ++: 0.03 (Qwen2.5-VL: 0.02, the official ROC setting). */
  lr?: number;
  /** v1 EMA β (0.5). */
  beta?: number;
  /** v1 early stop in percent (25); null turns it off. ++ never stops early. */
  earlyStopPct?: number | null;
  /** v1: reproduce the official in-place accumulation (default false: the paper's clean update). */
  accumulate?: boolean;
  /** Soft-prompt σ (v1 0.1, ++ 0.4). */
  sigma?: number;
  /**
   * Decoder layers pooled by the energy (v1: all; ++: the spec's 14..25 of 32, scaled to the depth);
   * negative indices count from the end.
   */
  layers?: readonly number[] | 'all';
  /** Adam ε for ++ (1e-3). */
  eps?: number;
  maxNewTokens?: number;
  /** ε in the energy's denominator: 0 (LLaVA code), 1e-6 in the official Qwen2.5-VL ++ code. */
  energyEps?: number;
  /** ++ contrastive decoding against the unedited prefill (off by default). */
  contrastive?: ContrastiveOptions | null;
  /** Also answer without the region (default true). */
  computeBaseline?: boolean;
  onStep?: (s: StepInfo & { insideRatio: number }) => void;
  /**
   * Called per generated token with the text it makes printable (a TextStreamer's piece: the pieces of
   * one answer, joined, equal its `text`).
   */
  onToken?: (which: 'baseline' | 'controlled', token: number, text: string) => void;
}

export interface Answer {
  text: string;
  tokens: number[];
}

export interface AskResult {
  prompt: string;
  method: Method;
  baseline?: Answer;
  controlled: Answer;
  losses: number[];
  steps: number;
  stop: OptimizeResult['stop'];
  warnings: string[];
  /**
   * Share of the pooled image attention inside the region(s), before and after: Σ a·w / Σ a with w the
   * per-cell union (max) of the regions' weights, each scaled to peak 1 — so always in [0, 1]. For a
   * soft prompt (scribble, point) w is the Gaussian of the distance to the stroke: a weighted share.
   */
  insideRatio: { before: number; after: number };
  /** The same share at each optimisation step (the latent that step's energy was measured on). */
  stepInsideRatios: number[];
  /** Seconds of each optimisation step. */
  stepSeconds: number[];
  /** Pooled image attention [N] before and after, on the rows × cols token grid (grid = cols; LLaVA's is square). */
  attention: { grid: number; rows: number; cols: number; before: Float32Array; after: Float32Array };
  /** LLaVA's preprocessing geometry (heatmaps); null for Qwen2.5-VL. */
  geometry: PreprocessGeometry | null;
  regions: RegionWeights[];
  timings: { encode: number; baseline: number; optimize: number; controlled: number; total: number };
}

/** What was computed before the controlled answer could not be produced. */
export type PartialAskResult = Pick<AskResult, 'prompt' | 'method' | 'baseline' | 'losses' | 'steps' | 'stop' | 'warnings'>;

/** askAboutRegion could not produce the controlled answer; `partial` keeps what it had computed. */
export class AskFailure extends Error {
  constructor(message: string, readonly partial: PartialAskResult) {
    super(message);
    this.name = 'AskFailure';
  }
}

/** The spec's ++ layer range 14..25 of 32, scaled to a decoder of L layers (at least one layer). */
export function ppDefaultLayers(L: number): number[] {
  const start = Math.min(L - 1, Math.round((14 * L) / 32));
  const end = Math.max(start + 1, Math.round((26 * L) / 32));
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** The official Qwen2.5-VL ++ layers 12..27 of 28 (attentions[12:28]), scaled to a decoder of L layers. */
export function qwenPPDefaultLayers(L: number): number[] {
  const start = Math.min(L - 1, Math.round((12 * L) / 28));
  return Array.from({ length: L - start }, (_, i) => start + i);
}

export function resolveOptions(opts: AskOptions, layerCount: number, family: Session['family'] = 'llava') {
  const method = opts.method ?? 'v1';
  const pp = method === 'pp';
  const qwen = family === 'qwen2_5_vl';
  return {
    method,
    steps: opts.steps ?? (pp ? 3 : 5),
    alpha: opts.alpha ?? 400,
    lr: opts.lr ?? (pp ? (qwen ? 0.02 : 0.03) : 1),
    beta: opts.beta ?? 0.5,
    earlyStopPct: opts.earlyStopPct === undefined ? 25 : opts.earlyStopPct,
    accumulate: opts.accumulate ?? false,
    sigma: opts.sigma ?? (pp ? 0.4 : 0.1),
    layers: pp && qwen && opts.layers === undefined ? qwenPPDefaultLayers(layerCount) : resolveLayers(opts.layers, pp, layerCount),
    eps: opts.eps ?? 1e-3,
    maxNewTokens: opts.maxNewTokens ?? 30,
    energyEps: opts.energyEps ?? (pp && qwen ? 1e-6 : 0),
  };
}

function resolveLayers(layers: AskOptions['layers'], pp: boolean, L: number): number[] {
  return layers === undefined ? (pp ? ppDefaultLayers(L) : resolveLayerIndices('all', L)) : resolveLayerIndices(layers, L);
}

/** Per-cell union (max) of the regions' weights, each scaled to peak 1 (see AskResult.insideRatio). */
export function insideWeights(regions: readonly RegionWeights[]): Float32Array {
  const out = new Float32Array(regions[0].weights.length);
  for (const r of regions) {
    const peak = r.weights.reduce((m, w) => Math.max(m, w), 0);
    r.weights.forEach((w, i) => (out[i] = Math.max(out[i], peak > 0 ? w / peak : 0)));
  }
  return out;
}

/** One answer, generated (streamed through opts.onToken) from the prefill with the latent `delta` added (null: none). */
function answerFrom(p: Prepared, tokenizer: Tokenizer, delta: Tensor | null, which: 'baseline' | 'controlled', maxNewTokens: number, opts: AskOptions): Answer {
  const { model, ids, features } = p;
  const embeds = noGrad(() => model.embedWithImageFeatures(ids, delta ? features.add(delta) : features).inputsEmbeds);
  const onToken = streamTo(tokenizer, model.config.text_config.eos_token_id, maxNewTokens, (t, text) => opts.onToken?.(which, t, text));
  const tokens =
    which === 'controlled' && opts.contrastive && delta
      ? contrastiveGenerate(model, embeds, noGrad(() => model.embedWithImageFeatures(ids, features).inputsEmbeds), { ...opts.contrastive, maxNewTokens, onToken })
      : generate(model, embeds, { maxNewTokens, onToken }).tokens;
  return { tokens, text: tokenizer.decode(tokens, { skipSpecial: true }).trim() };
}

/** onToken for one answer: a TextStreamer's pieces, what it held back flushed with the last token. */
function streamTo(tokenizer: Tokenizer, eosIds: readonly number[], maxNewTokens: number, emit: (token: number, text: string) => void) {
  const streamer = new TextStreamer(tokenizer);
  const eos = new Set(eosIds);
  return (token: number): void => {
    const text = streamer.push(token);
    const last = eos.has(token) || streamer.tokens.length === maxNewTokens;
    emit(token, last ? text + streamer.flush() : text);
  };
}

/** Records each optimisation step's in-region share and seconds, and passes the step on. */
function trackSteps(inside: Float32Array, onStep: AskOptions['onStep']) {
  const ratios: number[] = [];
  const seconds: number[] = [];
  return {
    ratios,
    seconds,
    onStep: (s: StepInfo) => {
      const ratio = insideRatio(s.attention, inside);
      ratios.push(ratio);
      seconds.push(s.seconds);
      onStep?.({ ...s, insideRatio: ratio });
    },
  };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** The answer from the optimised latent, or an AskFailure that keeps what was computed (no finite step, broken logits). */
function controlledAnswer(result: OptimizeResult, partial: PartialAskResult, answer: (delta: Tensor) => Answer): Answer {
  if (result.stop === 'non-finite' && result.losses.length === 0) {
    throw new AskFailure(`no controlled answer: the optimisation had no finite step (${result.warnings[0]}); try a smaller --alpha or --lr`, partial);
  }
  try {
    return answer(result.finalDelta);
  } catch (e) {
    throw new AskFailure(`no controlled answer: ${(e as Error).message}`, partial);
  }
}

export async function askAboutRegion(session: Session, input: AskInput, opts: AskOptions = {}): Promise<AskResult> {
  const o = resolveOptions(opts, session.model.config.text_config.num_hidden_layers, session.family);
  const t0 = performance.now();
  if (input.regions.length === 0) throw new Error('no region given: pass a box, mask, scribble or point');
  const p = prepare(session, input.image, input.question, { ...opts, maxNewTokens: o.maxNewTokens });
  const { model, features, ids, prompt, geometry } = p;
  const regions = input.regions.map((r) => p.regionWeights(r, o.sigma));
  const tEncode = seconds(t0);

  const answer = (delta: Tensor | null, which: 'baseline' | 'controlled') => answerFrom(p, session.tokenizer, delta, which, o.maxNewTokens, opts);

  const t1 = performance.now();
  const baseline = opts.computeBaseline === false ? undefined : answer(null, 'baseline');
  const tBaseline = seconds(t1);

  const t2 = performance.now();
  const inside = insideWeights(regions);
  const track = trackSteps(inside, opts.onStep);
  const result = optimizeLatent(model, ids, features, regions.map((r) => r.weights), { ...o, onStep: track.onStep });
  const { before, after } = result.attention;
  const tOptimize = seconds(t2);

  const t3 = performance.now();
  const partial = { prompt, method: o.method, baseline, losses: result.losses, steps: result.steps, stop: result.stop, warnings: result.warnings };
  const controlled = controlledAnswer(result, partial, (delta) => answer(delta, 'controlled'));
  const tControlled = seconds(t3);
  return {
    prompt,
    method: o.method,
    baseline,
    controlled,
    losses: result.losses,
    steps: result.steps,
    stop: result.stop,
    warnings: result.warnings,
    insideRatio: { before: insideRatio(before, inside), after: insideRatio(after, inside) },
    stepInsideRatios: track.ratios,
    stepSeconds: track.seconds,
    attention: { grid: p.cols, rows: p.rows, cols: p.cols, before: Float32Array.from(before.toArray()), after: Float32Array.from(after.toArray()) },
    geometry,
    regions,
    timings: { encode: tEncode, baseline: tBaseline, optimize: tOptimize, controlled: tControlled, total: seconds(t0) },
  };
}
