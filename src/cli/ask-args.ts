/** The ControlMLLM method flags shared by `ask` and `trace` (--method, --steps, --alpha, …) → AskOptions. */
import type { AskOptions } from '../controlmllm/pipeline.js';
import { layersFlag, numberFlag } from './flags.js';

export function askOptionsFromFlags(v: Record<string, string | boolean | string[] | undefined>): AskOptions {
  const method = (v.method as string | undefined) ?? 'v1';
  if (method !== 'v1' && method !== 'pp') throw new Error(`--method must be v1 or pp, got '${method}'`);
  const es = v['early-stop'] as string | undefined;
  let contrastive: AskOptions['contrastive'];
  if (v.contrastive !== undefined) {
    const [alpha, beta] = String(v.contrastive).split(',').map(Number);
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new Error(`--contrastive must be alpha,beta, got '${v.contrastive}'`);
    contrastive = { alpha, beta };
  }
  return {
    method,
    steps: numberFlag(v.steps as string, '--steps', { integer: true }),
    alpha: numberFlag(v.alpha as string, '--alpha'),
    lr: numberFlag(v.lr as string, '--lr'),
    beta: numberFlag(v.beta as string, '--beta'),
    earlyStopPct: es === undefined ? undefined : es === 'off' ? null : numberFlag(es, '--early-stop'),
    accumulate: Boolean(v.accumulate),
    sigma: numberFlag(v.sigma as string, '--sigma'),
    layers: layersFlag(v.layers as string | undefined, '--layers'),
    maxNewTokens: numberFlag(v['max-new-tokens'] as string, '--max-new-tokens', { integer: true }),
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
