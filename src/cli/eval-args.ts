/** The flags of `controlmllm eval` → an EvalRequest (src/eval/evaluate.ts). */
import type { AskOptions, Method } from '../controlmllm/pipeline.js';
import type { EvalRequest } from '../eval/evaluate.js';
import { PROMPT_TYPES, type PromptType } from '../eval/question.js';
import { parseShard } from '../eval/selection.js';
import { backendOption } from './backend-args.js';
import { contrastiveFlag, earlyStopFlag, layersFlag, numberFlag } from './flags.js';

export const EVAL_OPTIONS = {
  model: { type: 'string' },
  questions: { type: 'string' },
  data: { type: 'string' },
  /** Renamed to --data (kept only to say so). */
  images: { type: 'string' },
  preset: { type: 'string' },
  split: { type: 'string' },
  shard: { type: 'string' },
  resume: { type: 'boolean' },
  'keep-going': { type: 'boolean' },
  'answers-file': { type: 'string' },
  prompt: { type: 'string' },
  method: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  out: { type: 'string' },
  markdown: { type: 'string' },
  steps: { type: 'string' },
  alpha: { type: 'string' },
  lr: { type: 'string' },
  beta: { type: 'string' },
  'early-stop': { type: 'string' },
  sigma: { type: 'string' },
  eps: { type: 'string' },
  'pp-steps': { type: 'string' },
  'pp-alpha': { type: 'string' },
  'pp-lr': { type: 'string' },
  'pp-sigma': { type: 'string' },
  layers: { type: 'string' },
  'pp-layers': { type: 'string' },
  contrastive: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  accumulate: { type: 'boolean' },
  'no-accumulate': { type: 'boolean' },
  'pad-to-square': { type: 'boolean' },
  quiet: { type: 'boolean' },
  ...backendOption,
} as const;

export type EvalValues = { [K in keyof typeof EVAL_OPTIONS]?: (typeof EVAL_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function promptsFlag(v: string | undefined): PromptType[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'all') return [...PROMPT_TYPES];
  return v.split(',').map((p) => {
    if (!PROMPT_TYPES.includes(p as PromptType)) throw new Error(`--prompt must be box, mask, scribble, point, a comma list of those or all, got '${p}'`);
    return p as PromptType;
  });
}

function methodsFlag(v: string | undefined): Method[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'both') return ['v1', 'pp'];
  if (v === 'v1' || v === 'pp') return [v];
  throw new Error(`--method must be v1, pp or both, got '${v}'`);
}

function accumulateFlag(v: EvalValues): boolean | undefined {
  if (v.accumulate && v['no-accumulate']) throw new Error('--accumulate and --no-accumulate contradict each other');
  return v.accumulate ? true : v['no-accumulate'] ? false : undefined;
}

/** Per-method settings given on the command line (undefined entries leave the preset's value). */
function overrides(v: EvalValues): Record<Method, AskOptions> {
  const maxNewTokens = numberFlag(v['max-new-tokens'], '--max-new-tokens', { integer: true });
  return {
    v1: {
      steps: numberFlag(v.steps, '--steps', { integer: true }), alpha: numberFlag(v.alpha, '--alpha'), lr: numberFlag(v.lr, '--lr'), beta: numberFlag(v.beta, '--beta'),
      earlyStopPct: earlyStopFlag(v['early-stop']), sigma: numberFlag(v.sigma, '--sigma'),
      layers: layersFlag(v.layers, '--layers'), accumulate: accumulateFlag(v), maxNewTokens,
    },
    pp: {
      steps: numberFlag(v['pp-steps'], '--pp-steps', { integer: true }), alpha: numberFlag(v['pp-alpha'], '--pp-alpha'), lr: numberFlag(v['pp-lr'], '--pp-lr'),
      sigma: numberFlag(v['pp-sigma'], '--pp-sigma'), eps: numberFlag(v.eps, '--eps'), layers: layersFlag(v['pp-layers'], '--pp-layers'),
      contrastive: contrastiveFlag(v.contrastive), maxNewTokens,
    },
  };
}

export function evalRequest(v: EvalValues, usage: string): EvalRequest {
  if (v.images !== undefined) throw new Error('--images is now --data (the task folder; image and mask paths are read relative to it)');
  for (const flag of ['model', 'questions', 'data'] as const) if (!v[flag]) throw new Error(`--${flag} is required\n${usage}`);
  if (v.split !== undefined && v.split !== 'test' && v.split !== 'val') throw new Error(`--split must be test or val, got '${v.split}'`);
  return {
    model: v.model!,
    questions: v.questions!,
    data: v.data!,
    preset: v.preset,
    split: (v.split as 'test' | 'val' | undefined) ?? null,
    offset: numberFlag(v.offset, '--offset', { integer: true }) ?? 0,
    limit: numberFlag(v.limit, '--limit', { integer: true }) ?? null,
    shard: v.shard === undefined ? null : parseShard(v.shard),
    methods: methodsFlag(v.method),
    prompts: promptsFlag(v.prompt),
    overrides: overrides(v),
    padToSquare: v['pad-to-square'] ?? false,
    answersFile: v['answers-file'],
    resume: v.resume ?? false,
    keepGoing: v['keep-going'] ?? false,
    quiet: v.quiet ?? false,
  };
}
