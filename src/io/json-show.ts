/** A JSON value shortened for an error message; values too deep to print (hostile input) say so instead of overflowing the stack. */
export function showJson(v: unknown, max = 60): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return `(a ${Array.isArray(v) ? 'list' : typeof v} nested too deep to print)`;
  }
  if (s === undefined) return String(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
