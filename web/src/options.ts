/**
 * The page's options, read and checked: every field has its range in its label and a message beside it
 * when it is out of range (never silently replaced). `readOptions` returns the options or the errors
 * (field id → message); Run stays disabled while there are errors.
 */
import { layersFlag } from '../../src/cli/flags.js';
import { resolveOptions } from '../../src/controlmllm/pipeline.js';
import type { DemoOptions } from './protocol.js';

export const RANGES = {
  steps: { min: 1, max: 20 },
  alpha: { min: 1, max: 10000 },
  maxNewTokens: { min: 1, max: 64 },
  lr: { min: 0, max: 10 },
};

type Result = { options: DemoOptions; errors: null } | { options: null; errors: Map<string, string> };

const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value.trim();

function integer(id: string, what: string, r: { min: number; max: number }, errors: Map<string, string>): number {
  const text = value(id);
  const v = Number(text);
  if (text === '' || !Number.isInteger(v) || v < r.min || v > r.max) errors.set(id, `${what} must be a whole number from ${r.min} to ${r.max}${text === '' ? '' : `, got '${text}'`}`);
  return v;
}

/**
 * "" → the method's default; otherwise the CLI's --layers syntax (a, a-b, a,b, last, all; negative from
 * the end), checked against the model's depth by the pipeline's own rule. Returns the message on error.
 */
export function parseLayers(text: string, layers: number): number[] | null | string {
  if (text === '') return null;
  try {
    return resolveOptions({ layers: layersFlag(text, 'layers') }, layers).layers;
  } catch (e) {
    return (e as Error).message;
  }
}

export function readOptions(layers: number): Result {
  const errors = new Map<string, string>();
  const steps = integer('opt-steps', 'steps', RANGES.steps, errors);
  const maxNewTokens = integer('opt-tokens', 'max new tokens', RANGES.maxNewTokens, errors);
  const alphaText = value('opt-alpha');
  const alpha = Number(alphaText);
  if (alphaText === '' || !Number.isFinite(alpha) || alpha < RANGES.alpha.min || alpha > RANGES.alpha.max) {
    errors.set('opt-alpha', `α must be a number from ${RANGES.alpha.min} to ${RANGES.alpha.max}${alphaText === '' ? '' : `, got '${alphaText}'`}`);
  }
  const lrText = value('opt-lr');
  const lr = lrText === '' ? null : Number(lrText);
  if (lr !== null && !(Number.isFinite(lr) && lr > RANGES.lr.min && lr <= RANGES.lr.max)) {
    errors.set('opt-lr', `learning rate must be a number above ${RANGES.lr.min} and at most ${RANGES.lr.max} (or empty for the method's default), got '${lrText}'`);
  }
  const parsed = parseLayers(value('opt-layers'), layers);
  if (typeof parsed === 'string') errors.set('opt-layers', parsed);
  if (errors.size) return { options: null, errors };
  return {
    options: {
      method: (document.getElementById('opt-method') as HTMLSelectElement).value as 'v1' | 'pp',
      steps,
      alpha,
      maxNewTokens,
      earlyStop: (document.getElementById('opt-early') as HTMLInputElement).checked,
      lr,
      layers: parsed as number[] | null,
    },
    errors: null,
  };
}

/** Shows each field's message beside it (aria-invalid + aria-describedby), clears the others. */
export function showOptionErrors(errors: Map<string, string> | null): void {
  for (const id of ['opt-steps', 'opt-alpha', 'opt-tokens', 'opt-lr', 'opt-layers']) {
    const input = document.getElementById(id)!;
    const msg = document.getElementById(`${id}-error`)!;
    const text = errors?.get(id) ?? '';
    msg.textContent = text;
    input.setAttribute('aria-invalid', String(text !== ''));
  }
}
