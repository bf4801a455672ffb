/** Parsing numeric command-line flags, with errors that name the flag and the value given. */

/** A non-negative number (an integer with `integer`), or undefined when the flag is absent. */
export function numberFlag(v: string | undefined, flag: string, opts: { integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n))) {
    throw new Error(`${flag} must be a non-negative ${opts.integer ? 'integer' : 'number'}, got '${v}'`);
  }
  return n;
}

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
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** `--early-stop PCT|off`: a percentage, null for off, undefined when absent. */
export function earlyStopFlag(v: string | undefined, flag = '--early-stop'): number | null | undefined {
  return v === undefined ? undefined : v === 'off' ? null : numberFlag(v, flag);
}

/** `--contrastive alpha,beta` or `off` (contrastive decoding against the unedited prefill); undefined when absent. */
export function contrastiveFlag(v: string | undefined, flag = '--contrastive'): { alpha: number; beta: number } | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const parts = v.split(',');
  if (parts.length !== 2) throw new Error(`${flag} must be alpha,beta (e.g. 0.7,0.1) or off, got '${v}'`);
  return { alpha: numberFlag(parts[0], `${flag} alpha`)!, beta: numberFlag(parts[1], `${flag} beta`)! };
}
