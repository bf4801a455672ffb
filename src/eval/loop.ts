/**
 * The evaluation loop: for each question of the run's slice and each (method, prompt) not yet answered,
 * ask the model without a region (the baseline, once per question) and with ControlMLLM, and hand one
 * answers line to `emit` as soon as it exists. A question that cannot be run (unreadable image, a region
 * the grid cannot see, …) becomes a line with `error`, never a wrong answer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { askAboutRegion, type AskOptions, type Method } from '../controlmllm/pipeline.js';
import type { Session } from '../controlmllm/session.js';
import type { RgbImage } from '../io/image.js';
import { readImageFile } from '../io/image-node.js';
import { lineKey, type AnswerLine } from './answers-file.js';
import { maskFromRgb, modelQuestion, visualPrompt, type EvalQuestion, type PromptType } from './question.js';

export interface EvalPlan {
  /** The task folder the question's paths are relative to. */
  data: string;
  questions: readonly EvalQuestion[];
  methods: readonly Method[];
  prompts: readonly PromptType[];
  settings: Record<Method, AskOptions>;
  padToSquare: boolean;
  /** Appended to every question (the preset's answer-format instruction; '' for none). */
  questionSuffix?: string;
}

/** The first existing image candidate of a question, or an error naming every path tried. */
export function imagePath(data: string, q: EvalQuestion): string {
  const found = q.images.map((p) => join(data, p)).find((p) => existsSync(p));
  if (!found) throw new Error(`question ${q.id}: image not found (tried ${q.images.map((p) => join(data, p)).join(', ')})`);
  return found;
}

/** Every file the run will read that is missing, as "question 3: image not found (tried …)" (checked before loading the model). */
export function missingFiles(plan: EvalPlan): string[] {
  const out: string[] = [];
  for (const q of plan.questions) {
    try {
      imagePath(plan.data, q);
    } catch (e) {
      out.push((e as Error).message);
    }
    if (plan.prompts.includes('mask') && q.mask && !existsSync(join(plan.data, q.mask))) out.push(`question ${q.id}: mask ${join(plan.data, q.mask)} not found`);
  }
  return out;
}

/** A small cache of decoded images (questions often share one). */
function imageReader(): (path: string) => RgbImage {
  const cache = new Map<string, RgbImage>();
  return (p) => {
    let img = cache.get(p);
    if (!img) {
      img = readImageFile(p);
      if (cache.size > 32) cache.clear();
      cache.set(p, img);
    }
    return img;
  };
}

export interface LoopHooks {
  /** Lines already in the answers file (for --resume): their keys are skipped unless they failed. */
  done: ReadonlySet<string>;
  emit: (line: AnswerLine) => void;
  /** After each (question, config) attempt. */
  tick: () => void;
}

export async function runEval(session: Session, plan: EvalPlan, hooks: LoopHooks): Promise<void> {
  const read = imageReader();
  for (const q of plan.questions) {
    const baselines = new Map<string, string>();
    for (const method of plan.methods) {
      for (const prompt of plan.prompts) {
        const key = lineKey({ method, prompt, index: q.index });
        if (hooks.done.has(key)) continue;
        const base = { question_id: q.id, index: q.index, method, prompt };
        try {
          const image = read(imagePath(plan.data, q));
          const region = visualPrompt(q, prompt, (p) => maskFromRgb(read(join(plan.data, p))));
          const question = modelQuestion(q, method) + (plan.questionSuffix ?? '');
          const s = plan.settings[method];
          const bkey = `${question}\n${s.maxNewTokens}`;
          const r = await askAboutRegion(session, { image, question, regions: [region] }, { ...s, padToSquare: plan.padToSquare, computeBaseline: !baselines.has(bkey) });
          if (r.baseline) baselines.set(bkey, r.baseline.text);
          const answers: [string, string] = [baselines.get(bkey)!, r.controlled.text];
          hooks.emit({ ...base, answers, label: q.label, steps: r.steps, inside: [r.insideRatio.before, r.insideRatio.after] });
        } catch (e) {
          hooks.emit({ ...base, error: (e as Error).message });
        }
        hooks.tick();
      }
    }
  }
}
