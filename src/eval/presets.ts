/**
 * Presets named after the official scripts (mrwu-mac/ControlMLLM at 57e16e7), one per task, for v1 and ++:
 *
 *   v1 (controlmllm/llava/{roc,rtc}/llava_*.py + .sh): T 5 (ROC) / 4 (RTC), α 400, lr 1, β 0.5, --early_stop
 *      (25 %), all layers, σ 0.1, the in-place accumulation of the released code, 30 new tokens.
 *   ++ (controlmllm++/llava/<task>/llava_7b_<task>.py + .sh): Adam lr 0.03, ε 1e-3, α 400, μ = σ 0.4, layers
 *      14..25 of 32 (scaled to the model's depth), T − 1 gradient steps with T = 4 (ROC, RefCOCOg), 2 (RTC),
 *      3 (ScreenSpot), --use_cd with cd_alpha 0.7 (ROC, RTC) / 0.1 (RefCOCOg, ScreenSpot) and cd_beta 0.1;
 *      30 new tokens, 50 for RefCOCOg.
 *
 * RefCOCOg and ScreenSpot have no official v1 script: their v1 preset is the paper's defaults (T 5, ES,
 * accumulation) with the task's token budget.
 *
 * Qwen2.5-VL (controlmllm++/qwen2_5_vl/{roc,rtc}/qwen2_5_vl_7b_<task>.py): boxes only, T − 1 Adam steps with
 * T = 2, lr 0.02 (ROC) / T = 3, lr 0.03 (RTC), α 400, ε 1e-3, layers 12..27 (the family default), no
 * contrastive decoding, max_pixels 512·28·28, 30 new tokens, and " Answer the question using a single word
 * or phrase." appended to the question. There is no official Qwen v1 script: v1 is the LLaVA v1 preset at the
 * same max_pixels.
 */
import type { AskOptions, Method } from '../controlmllm/pipeline.js';
import type { PromptType, QuestionForm } from './question.js';

export type PresetName = 'roc' | 'rtc' | 'refcocog' | 'screenspot';
export const PRESETS: readonly PresetName[] = ['roc', 'rtc', 'refcocog', 'screenspot'];

export interface Preset {
  name: PresetName;
  /** The official scripts the numbers come from. */
  source: string;
  settings: Record<Method, AskOptions>;
  /** The prompt types the official script of this task supports. */
  prompts: readonly PromptType[];
  /** Appended to every question (the official Qwen2.5-VL scripts' answer-format instruction). */
  questionSuffix?: string;
}

export type ModelFamily = 'llava' | 'qwen2_5_vl';

const v1 = (T: number, maxNewTokens: number): AskOptions => ({ method: 'v1', steps: T, alpha: 400, lr: 1, beta: 0.5, earlyStopPct: 25, accumulate: true, sigma: 0.1, layers: 'all', maxNewTokens });
const pp = (T: number, cdAlpha: number, maxNewTokens: number): AskOptions => ({
  method: 'pp', steps: T - 1, alpha: 400, lr: 0.03, eps: 1e-3, sigma: 0.4, contrastive: { alpha: cdAlpha, beta: 0.1 }, maxNewTokens,
});

const TABLE: Record<PresetName, Preset> = {
  roc: { name: 'roc', source: 'controlmllm/llava/roc/llava_roc.sh, controlmllm++/llava/roc/llava_7b_roc.sh', settings: { v1: v1(5, 30), pp: pp(4, 0.7, 30) }, prompts: ['box', 'mask', 'scribble', 'point'] },
  rtc: { name: 'rtc', source: 'controlmllm/llava/rtc/llava_rtc.sh, controlmllm++/llava/rtc/llava_7b_rtc.sh', settings: { v1: v1(4, 30), pp: pp(2, 0.7, 30) }, prompts: ['box', 'mask'] },
  refcocog: { name: 'refcocog', source: 'controlmllm++/llava/refcocog/llava_7b_refcocog.sh (v1: paper defaults)', settings: { v1: v1(5, 50), pp: pp(4, 0.1, 50) }, prompts: ['box'] },
  screenspot: { name: 'screenspot', source: 'controlmllm++/llava/screenspot/llava_7b_screenspot.sh (v1: paper defaults)', settings: { v1: v1(5, 30), pp: pp(3, 0.1, 30) }, prompts: ['box', 'point'] },
};

const QWEN_MAX_PIXELS = 512 * 28 * 28;
const QWEN_SUFFIX = ' Answer the question using a single word or phrase.';
const qpp = (T: number, lr: number): AskOptions => ({ method: 'pp', steps: T - 1, alpha: 400, lr, eps: 1e-3, maxNewTokens: 30, maxPixels: QWEN_MAX_PIXELS });
const QWEN_TABLE: Partial<Record<PresetName, Preset>> = {
  roc: { name: 'roc', source: 'controlmllm++/qwen2_5_vl/roc/qwen2_5_vl_7b_roc.py (v1: the LLaVA v1 script)', settings: { v1: { ...v1(5, 30), maxPixels: QWEN_MAX_PIXELS }, pp: qpp(2, 0.02) }, prompts: ['box'], questionSuffix: QWEN_SUFFIX },
  rtc: { name: 'rtc', source: 'controlmllm++/qwen2_5_vl/rtc/qwen2_5_vl_7b_rtc.py (v1: the LLaVA v1 script)', settings: { v1: { ...v1(4, 30), maxPixels: QWEN_MAX_PIXELS }, pp: qpp(3, 0.03) }, prompts: ['box'], questionSuffix: QWEN_SUFFIX },
};

export function preset(name: string, family: ModelFamily = 'llava'): Preset {
  if (!(PRESETS as readonly string[]).includes(name)) throw new Error(`--preset must be ${PRESETS.join(', ')} or none, got '${name}'`);
  if (family === 'llava') return TABLE[name as PresetName];
  const q = QWEN_TABLE[name as PresetName];
  if (!q) throw new Error(`--preset ${name}: no official Qwen2.5-VL settings for this task are encoded (roc, rtc); pass --preset none and the flags`);
  return q;
}

/** The preset a question file's form implies (none for the synthetic form). */
export const presetForForm = (form: QuestionForm): PresetName | null => (form === 'synthetic' ? null : form);

/** Settings without a preset: the method's own defaults (src/controlmllm/pipeline.ts), 30 new tokens. */
export const PROJECT_DEFAULTS: Record<Method, AskOptions> = { v1: { method: 'v1', maxNewTokens: 30 }, pp: { method: 'pp', maxNewTokens: 30 } };

/** `base` with every defined entry of `overrides` on top (an explicit flag beats the preset). */
export function withOverrides(base: AskOptions, overrides: AskOptions): AskOptions {
  const out: AskOptions = { ...base };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** One line per setting ("pp: steps 3, lr 0.03, contrastive 0.7,0.1, ..."), as printed and reported. */
export function describeSettings(method: Method, s: AskOptions): string {
  const parts = Object.entries(s)
    .filter(([k, v]) => k !== 'method' && v !== undefined)
    .map(([k, v]) => `${k} ${v === null ? 'off' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? Object.values(v).join(',') : v}`);
  return `${method}: ${parts.length ? parts.join(', ') : 'method defaults'}`;
}
