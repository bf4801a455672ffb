/**
 * Which questions a run answers: the official split, then --offset/--limit, then --shard i/n — a
 * contiguous, deterministic slice, so that any job runner (a Slurm array, a Kubernetes Indexed Job,
 * background processes) can spread an evaluation and `eval merge` can put it back together.
 */
import type { EvalQuestion } from './question.js';

export interface Shard {
  index: number;
  count: number;
}

/** "i/n" with 0 ≤ i < n (the 0-based index of Kubernetes' JOB_COMPLETION_INDEX; Slurm: $SLURM_ARRAY_TASK_ID with --array=0-(n−1)). */
export function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || count < 1 || index >= count) throw new Error(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4), got '${v}'`);
  return { index, count };
}

/** Questions [offset, offset + limit) of the split's list. */
export function window(questions: readonly EvalQuestion[], offset: number, limit: number | null): EvalQuestion[] {
  if (offset < 0 || offset > questions.length) throw new Error(`--offset ${offset} is outside the ${questions.length} questions`);
  return questions.slice(offset, limit === null ? undefined : offset + limit);
}

/** Shard i of n: questions [⌊i·N/n⌋, ⌊(i+1)·N/n⌋). */
export function shardOf<T>(items: readonly T[], shard: Shard | null): T[] {
  if (!shard) return [...items];
  const n = items.length;
  return items.slice(Math.floor((shard.index * n) / shard.count), Math.floor(((shard.index + 1) * n) / shard.count));
}
