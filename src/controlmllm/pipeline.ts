/**
 * Ask about a region: the whole ControlMLLM run for one image, question and visual prompt(s).
 *
 *   image → CLIP features (once) → prompt ids → baseline answer from the unedited prefill
 *   region(s) → grid weights → optimise the latent on the prefill (v1 or ++) → controlled answer
 *   from the edited prefill (KV cache), pooled attention before/after for heatmaps.
 */
import type { PreprocessGeometry } from '../io/clip-preprocess-geometry.js';
import type { RgbImage } from '../io/image.js';
import { generate } from '../model/generate.js';
import { resolveLayerIndices } from '../model/llama.js';
import { noGrad, type Tensor } from '../tensor/index.js';
import { contrastiveGenerate, type ContrastiveOptions } from './contrastive.js';
import { insideRatio } from './energy.js';
import { optimizeLatent, type OptimizeResult, type StepInfo } from './optimize.js';
import { regionWeights, type RegionWeights, type VisualPrompt } from './regions.js';
import { encodeImage, promptIds, type Session } from './session.js';

export type Method = 'v1' | 'pp';

export interface AskInput {
  image: RgbImage;
  question: string;
  regions: readonly VisualPrompt[];
}

export interface AskOptions {
  method?: Method;
  /** v1: iterations T (5); ++: Adam steps (3). */
  steps?: number;
  /** Energy scale α (400). */
  alpha?: number;
  /** v1: 1; ++: 0.03. */
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
  padToSquare?: boolean;
  /** ++ contrastive decoding against the unedited prefill (off by default). */
  contrastive?: ContrastiveOptions | null;
  /** Also answer without the region (default true). */
  computeBaseline?: boolean;
  onStep?: (s: StepInfo & { insideRatio: number }) => void;
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
  /** Share of the pooled image attention inside the (first) region, before and after. */
  insideRatio: { before: number; after: number };
  /** Pooled image attention [N] before and after, on the grid×grid token grid. */
  attention: { grid: number; before: Float32Array; after: Float32Array };
  geometry: PreprocessGeometry;
  regions: RegionWeights[];
  timings: { encode: number; baseline: number; optimize: number; controlled: number; total: number };
}

/** The spec's ++ layer range 14..25 of 32, scaled to a decoder of L layers (at least one layer). */
export function ppDefaultLayers(L: number): number[] {
  const start = Math.min(L - 1, Math.round((14 * L) / 32));
  const end = Math.max(start + 1, Math.round((26 * L) / 32));
  return Array.from({ length: end - start }, (_, i) => start + i);
}

export function resolveOptions(opts: AskOptions, layerCount: number) {
  const method = opts.method ?? 'v1';
  const pp = method === 'pp';
  return {
    method,
    steps: opts.steps ?? (pp ? 3 : 5),
    alpha: opts.alpha ?? 400,
    lr: opts.lr ?? (pp ? 0.03 : 1),
    beta: opts.beta ?? 0.5,
    earlyStopPct: opts.earlyStopPct === undefined ? 25 : opts.earlyStopPct,
    accumulate: opts.accumulate ?? false,
    sigma: opts.sigma ?? (pp ? 0.4 : 0.1),
    layers: resolveLayers(opts.layers, pp, layerCount),
    eps: opts.eps ?? 1e-3,
    maxNewTokens: opts.maxNewTokens ?? 30,
  };
}

function resolveLayers(layers: AskOptions['layers'], pp: boolean, L: number): number[] {
  return layers === undefined ? (pp ? ppDefaultLayers(L) : resolveLayerIndices('all', L)) : resolveLayerIndices(layers, L);
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function askAboutRegion(session: Session, input: AskInput, opts: AskOptions = {}): Promise<AskResult> {
  const { model, tokenizer } = session;
  const o = resolveOptions(opts, model.config.text_config.num_hidden_layers);
  const t0 = performance.now();
  const { features, geometry } = encodeImage(session, input.image, opts.padToSquare);
  const grid = Math.round(Math.sqrt(features.shape[1]));
  if (grid * grid !== features.shape[1]) throw new Error(`${features.shape[1]} image tokens do not form a square grid`);
  if (input.regions.length === 0) throw new Error('no region given: pass a box, mask, scribble or point');
  const regions = input.regions.map((r) => regionWeights(r, geometry, grid, o.sigma));
  const { prompt, ids } = promptIds(session, input.question);
  const tEncode = seconds(t0);

  const answer = (delta: Tensor | null, which: 'baseline' | 'controlled'): Answer => {
    const embeds = noGrad(() => model.embedWithImageFeatures(ids, delta ? features.add(delta) : features).inputsEmbeds);
    const onToken = (token: number): void => {
      opts.onToken?.(which, token, tokenizer.decode([token], { skipSpecial: true }));
    };
    const tokens =
      which === 'controlled' && opts.contrastive && delta
        ? contrastiveGenerate(model, embeds, noGrad(() => model.embedWithImageFeatures(ids, features).inputsEmbeds), {
            ...opts.contrastive,
            maxNewTokens: o.maxNewTokens,
            onToken,
          })
        : generate(model, embeds, { maxNewTokens: o.maxNewTokens, onToken }).tokens;
    return { tokens, text: tokenizer.decode(tokens, { skipSpecial: true }).trim() };
  };

  const t1 = performance.now();
  const baseline = opts.computeBaseline === false ? undefined : answer(null, 'baseline');
  const tBaseline = seconds(t1);

  const t2 = performance.now();
  const onStep = (s: StepInfo) => opts.onStep?.({ ...s, insideRatio: insideRatio(s.attention, regions[0].weights) });
  const result = optimizeLatent(model, ids, features, regions.map((r) => r.weights), { ...o, onStep });
  const { before, after } = result.attention;
  const tOptimize = seconds(t2);

  const t3 = performance.now();
  const controlled = answer(result.finalDelta, 'controlled');
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
    insideRatio: { before: insideRatio(before, regions[0].weights), after: insideRatio(after, regions[0].weights) },
    attention: { grid, before: Float32Array.from(before.toArray()), after: Float32Array.from(after.toArray()) },
    geometry,
    regions,
    timings: { encode: tEncode, baseline: tBaseline, optimize: tOptimize, controlled: tControlled, total: seconds(t0) },
  };
}
