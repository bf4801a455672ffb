/**
 * Runs a case and measures it: the error it threw (if any), wall time and heap growth, and fails the
 * test when it went over the budget. (Heap, not RSS: V8 returns freed memory lazily, so RSS of one
 * process running many cases says little about one case.)
 */
export interface Bounded<T> {
  value?: T;
  error?: Error;
  seconds: number;
  megabytes: number;
}

export function bounded<T>(run: () => T, budget: { seconds: number; megabytes: number }): Bounded<T> {
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let value: T | undefined;
  let error: Error | undefined;
  let peak = 0;
  try {
    value = run();
  } catch (e) {
    error = e as Error;
  }
  const m = process.memoryUsage();
  peak = Math.max(peak, m.heapUsed + m.arrayBuffers - heap0);
  const result = { value, error, seconds: (performance.now() - t0) / 1000, megabytes: peak / 2 ** 20 };
  if (result.seconds > budget.seconds) throw new Error(`case took ${result.seconds.toFixed(2)} s, over the budget of ${budget.seconds} s (${error?.message ?? 'no error'})`);
  if (result.megabytes > budget.megabytes) throw new Error(`case grew the heap by ${result.megabytes.toFixed(0)} MB, over the budget of ${budget.megabytes} MB`);
  return result;
}
