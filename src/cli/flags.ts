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
