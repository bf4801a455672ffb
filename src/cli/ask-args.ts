/** The ControlMLLM method flags shared by `ask` and `trace` (--method, --steps, --alpha, …) → AskOptions. */
import type { AskOptions } from '../controlmllm/pipeline.js';
import { layersFlag, numberFlag } from './flags.js';

/** Allowed ranges of the optimiser flags (the messages print them). */
export const ASK_RANGES = {
  steps: { integer: true, min: 0, max: 1000 },
  alpha: { min: 0, max: 1e6, aboveMin: true },
  lr: { min: 0, max: 1e6, aboveMin: true },
  beta: { min: 0, max: 1 },
  earlyStop: { min: 0, max: 1e6 },
  sigma: { min: 0, max: 100, aboveMin: true },
  maxNewTokens: { integer: true, min: 0, max: 100_000 },
  contrastiveAlpha: { min: 0, max: 100 },
  contrastiveBeta: { min: 0, max: 1, aboveMin: true },
} as const;

export function askOptionsFromFlags(v: Record<string, string | boolean | string[] | undefined>): AskOptions {
  const method = (v.method as string | undefined) ?? 'v1';
  if (method !== 'v1' && method !== 'pp') throw new Error(`--method must be v1 or pp, got '${method}'`);
  const es = v['early-stop'] as string | undefined;
  let contrastive: AskOptions['contrastive'];
  if (v.contrastive !== undefined) {
    const parts = String(v.contrastive).split(',');
    if (parts.length !== 2) throw new Error(`--contrastive must be alpha,beta, got '${v.contrastive}'`);
    const alpha = numberFlag(parts[0], '--contrastive alpha', ASK_RANGES.contrastiveAlpha)!;
    const beta = numberFlag(parts[1], '--contrastive beta', ASK_RANGES.contrastiveBeta)!;
    contrastive = { alpha, beta };
  }
  return {
    method,
    steps: numberFlag(v.steps as string, '--steps', ASK_RANGES.steps),
    alpha: numberFlag(v.alpha as string, '--alpha', ASK_RANGES.alpha),
    lr: numberFlag(v.lr as string, '--lr', ASK_RANGES.lr),
    beta: numberFlag(v.beta as string, '--beta', ASK_RANGES.beta),
    earlyStopPct: es === undefined ? undefined : es === 'off' ? null : numberFlag(es, '--early-stop', ASK_RANGES.earlyStop),
    accumulate: Boolean(v.accumulate),
    sigma: numberFlag(v.sigma as string, '--sigma', ASK_RANGES.sigma),
    layers: layersFlag(v.layers as string | undefined, '--layers'),
    maxNewTokens: numberFlag(v['max-new-tokens'] as string, '--max-new-tokens', ASK_RANGES.maxNewTokens),
    padToSquare: Boolean(v['pad-to-square']),
    contrastive,
  };
}

export const askOptionSpec = {
  method: { type: 'string' },
  steps: { type: 'string' },
  alpha: { type: 'string' },
  lr: { type: 'string' },
  beta: { type: 'string' },
  'early-stop': { type: 'string' },
  accumulate: { type: 'boolean' },
  sigma: { type: 'string' },
  layers: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  'pad-to-square': { type: 'boolean' },
  contrastive: { type: 'string' },
} as const;
