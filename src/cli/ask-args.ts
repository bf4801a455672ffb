/** The ControlMLLM method flags shared by `ask` and `trace` (--method, --steps, --alpha, …) → AskOptions. */
import type { AskOptions } from '../controlmllm/pipeline.js';
import { ASK_RANGES, contrastiveFlag, earlyStopFlag, layersFlag, numberFlag } from './flags.js';
import { pixelsFromFlags, pixelsOption } from './pixels-args.js';

export function askOptionsFromFlags(v: Record<string, string | boolean | string[] | undefined>): AskOptions {
  const method = (v.method as string | undefined) ?? 'v1';
  if (method !== 'v1' && method !== 'pp') throw new Error(`--method must be v1 or pp, got '${method}'`);
  return {
    method,
    steps: numberFlag(v.steps as string, '--steps', ASK_RANGES.steps),
    alpha: numberFlag(v.alpha as string, '--alpha', ASK_RANGES.alpha),
    lr: numberFlag(v.lr as string, '--lr', ASK_RANGES.lr),
    beta: numberFlag(v.beta as string, '--beta', ASK_RANGES.beta),
    earlyStopPct: earlyStopFlag(v['early-stop'] as string | undefined),
    accumulate: Boolean(v.accumulate),
    sigma: numberFlag(v.sigma as string, '--sigma', ASK_RANGES.sigma),
    layers: layersFlag(v.layers as string | undefined, '--layers'),
    maxNewTokens: numberFlag(v['max-new-tokens'] as string, '--max-new-tokens', ASK_RANGES.maxNewTokens),
    padToSquare: Boolean(v['pad-to-square']),
    contrastive: contrastiveFlag(v.contrastive as string | undefined),
    ...pixelsFromFlags(v as { 'min-pixels'?: string; 'max-pixels'?: string }),
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
  ...pixelsOption,
} as const;
