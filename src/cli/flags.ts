/** Parsing numeric command-line flags, with errors that name the flag, the value given and the allowed range. */

export interface NumberRange {
  integer?: boolean;
  /** Smallest value allowed (default 0). */
  min?: number;
  /** Largest value allowed (default: any finite number). */
  max?: number;
  /** The minimum itself is excluded ((min, max] instead of [min, max]). */
  aboveMin?: boolean;
}

/** "[0, 1]", "(0, 1e6]", "≥ 0": the allowed range as the messages print it. */
export function describeRange(r: NumberRange): string {
  const min = r.min ?? 0;
  const kind = r.integer ? 'an integer' : 'a number';
  if (r.max === undefined) return min === 0 && !r.aboveMin ? `a non-negative ${r.integer ? 'integer' : 'number'}` : `${kind} ${r.aboveMin ? '>' : '≥'} ${min}`;
  return `${kind} in ${r.aboveMin ? '(' : '['}${min}, ${r.max}]`;
}

/** A finite number in the range (by default a non-negative number), or undefined when the flag is absent. */
export function numberFlag(v: string | undefined, flag: string, range: NumberRange = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  const min = range.min ?? 0;
  const inRange = Number.isFinite(n) && (range.aboveMin ? n > min : n >= min) && (range.max === undefined || n <= range.max);
  if (v.trim() === '' || !inRange || (range.integer && !Number.isInteger(n))) {
    throw new Error(`${flag} must be ${describeRange(range)}, got '${v}'`);
  }
  return n;
}

/** Allowed ranges of the ControlMLLM method flags (ask, trace, eval; the messages print them). */
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

/** Layer indices a flag may name: |index| below this (no model has 4096 decoder layers). */
export const MAX_LAYER_INDEX = 4096;

/**
 * Decoder layers: 'all', 'last', a layer 'a', an inclusive range 'a-b', or a comma list of those
 * (negative indices count from the end). Checked against the model's depth when it is loaded.
 */
export function layersFlag(v: string | undefined, flag: string): number[] | 'all' | undefined {
  if (v === undefined) return undefined;
  if (v === 'all') return 'all';
  const out: number[] = [];
  for (const part of v.split(',')) {
    const s = part.trim();
    const m = s === 'last' ? ['', '-1'] : /^(-?\d+)(?:-(\d+))?$/.exec(s);
    if (!m) throw new Error(`${flag} must be 'all', 'last', a layer, a range a-b or a comma list of those, got '${v}'`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) throw new Error(`${flag} ${s}: the range ends before it starts`);
    if (Math.abs(a) >= MAX_LAYER_INDEX || b >= MAX_LAYER_INDEX) {
      throw new Error(`${flag} ${s}: layer indices must lie in [${-MAX_LAYER_INDEX + 1}, ${MAX_LAYER_INDEX - 1}]`);
    }
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/**
 * `--box -50,10,20,20` → `--box=-50,10,20,20`: node's parseArgs refuses a value that starts with a dash
 * after a string option, so a negative number there is joined to its flag first.
 */
export function withNegativeValues(argv: readonly string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** `--early-stop PCT|off`: a percentage, null for off, undefined when absent. */
export function earlyStopFlag(v: string | undefined, flag = '--early-stop'): number | null | undefined {
  return v === undefined ? undefined : v === 'off' ? null : numberFlag(v, flag, ASK_RANGES.earlyStop);
}

/** `--contrastive alpha,beta` or `off` (contrastive decoding against the unedited prefill); undefined when absent. */
export function contrastiveFlag(v: string | undefined, flag = '--contrastive'): { alpha: number; beta: number } | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const parts = v.split(',');
  if (parts.length !== 2) throw new Error(`${flag} must be alpha,beta (e.g. 0.7,0.1) or off, got '${v}'`);
  return { alpha: numberFlag(parts[0], `${flag} alpha`, ASK_RANGES.contrastiveAlpha)!, beta: numberFlag(parts[1], `${flag} beta`, ASK_RANGES.contrastiveBeta)! };
}
