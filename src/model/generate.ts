/**
 * Autoregressive generation from a prefill of inputs_embeds [1, T, C] (ids embedded with or without an
 * image, or an edited prefill such as ControlMLLM's), with a KV cache or by re-running the whole sequence.
 *
 * Mirrors HF `generate`: greedy (argmax, first index on ties) when temperature is 0/absent, else sampling
 * with the logits processed as temperature → top-k → top-p (TopKLogitsWarper, TopPLogitsWarper), seeded.
 * Stops at an EOS id (included in the output, as HF does) or after maxNewTokens.
 * Runs under noGrad: generation never records a graph, even from a prefill that requires grad.
 */
import type { KVCache } from './kv-cache.js';
import { Rng, Tensor, cat, noGrad, tidy } from '../tensor/index.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Stop ids (default: text_config.eos_token_id); null or [] never stops early. */
  eosTokenId?: number | readonly number[] | null;
  /** 0 or absent: greedy. */
  temperature?: number;
  /** Keep the k most likely tokens (0/absent: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1/absent: all). */
  topP?: number;
  /** Seed of the sampling Rng (default 0), or an Rng to continue from. */
  seed?: number;
  rng?: Rng;
  /** Reuse keys/values (default true); false re-runs the full sequence each step (HF use_cache=False). */
  useCache?: boolean;
  /** Called once per new token, in order; return false to stop after it. */
  onToken?: (token: number, step: number) => void | boolean;
  /** Keep the last-position logits [V] of each step (default false). */
  keepLogits?: boolean;
  /** A cache for a prefix of the prefill already decoded: only the rest of inputsEmbeds is run. */
  cache?: KVCache;
}

export interface GenerateResult {
  tokens: number[];
  finishReason: 'eos' | 'length' | 'callback';
  /** With keepLogits: one [V] array per generated token, the logits it was chosen from. */
  stepLogits: Float32Array[];
}

/** What generation drives: any model family's decoder (LLaVA, or Qwen2.5-VL bound to its prompt's positions). */
export interface Decoder {
  config: { text_config: { eos_token_id: number[]; max_position_embeddings: number } };
  embedText(ids: readonly number[]): Tensor;
  /** `lastLogitsOnly`: the LM head on the last position only (a family may ignore it: the last row is what is read). */
  decode(inputsEmbeds: Tensor, opts?: { cache?: KVCache; reserve?: number; lastLogitsOnly?: boolean }): { logits: Tensor; cache: KVCache };
}

/** Generates up to maxNewTokens ids after `inputsEmbeds` [1, T, C]. */
export function generate(model: Decoder, inputsEmbeds: Tensor, opts: GenerateOptions): GenerateResult {
  checkContextLength(model.config.text_config, inputsEmbeds.shape[1], opts.maxNewTokens);
  return noGrad(() => {
    const eos = new Set(resolveEos(opts.eosTokenId, model.config.text_config.eos_token_id));
    const rng = opts.rng ?? new Rng(opts.seed ?? 0);
    const useCache = opts.useCache ?? true;
    const result: GenerateResult = { tokens: [], finishReason: 'length', stepLogits: [] };
    let cache = opts.cache;
    let seq = inputsEmbeds; // without cache: the whole sequence so far [1, S, C]
    let next = cache ? inputsEmbeds.slice(1, cache.length) : inputsEmbeds; // rows to run this step
    for (let step = 0; step < opts.maxNewTokens; step++) {
      // One step's activations go back to the buffer pool; the new cache and the last logits survive.
      const decoded = tidy(() => {
        // the cache gets room for every token to come at once: later steps write into it (kv-cache.ts)
        const reserve = useCache ? (cache?.length ?? 0) + next.shape[1] + opts.maxNewTokens - step : undefined;
        const out = model.decode(useCache ? next : seq, { cache: useCache ? cache : undefined, reserve, lastLogitsOnly: true });
        return { cache: useCache ? out.cache : undefined, last: Float32Array.from(out.logits.select(1, -1).toTypedArray()) };
      });
      cache = decoded.cache;
      const last = decoded.last; // [V]
      checkFiniteLogits(last, step);
      if (opts.keepLogits) result.stepLogits.push(last);
      const token = pickToken(last, opts, rng);
      result.tokens.push(token);
      const goOn = opts.onToken?.(token, step);
      if (eos.has(token)) return { ...result, finishReason: 'eos' };
      if (goOn === false) return { ...result, finishReason: 'callback' };
      next = model.embedText([token]); // [1, 1, C]
      if (!useCache) seq = cat([seq, next], 1);
    }
    return result;
  });
}

/**
 * Refuses a prefill of `promptTokens` positions plus `newTokens` generated ones that does not fit the
 * model's context (text_config.max_position_embeddings), before anything is decoded.
 */
export function checkContextLength(text: { max_position_embeddings: number }, promptTokens: number, newTokens: number): void {
  const limit = text.max_position_embeddings;
  if (!Number.isInteger(newTokens) || newTokens < 0) throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${newTokens}`);
  if (promptTokens + newTokens > limit) {
    throw new Error(
      `the prompt is ${promptTokens} tokens${newTokens ? ` + ${newTokens} new tokens = ${promptTokens + newTokens}` : ''}, ` +
        `over the model's context of ${limit} positions (text_config.max_position_embeddings); shorten the question or ask for fewer tokens`,
    );
  }
}

/** NaN / ∞ logits (a broken prefill, e.g. a non-finite latent) would decode as token 0 forever: refuse them. */
export function checkFiniteLogits(logits: ArrayLike<number>, step: number): void {
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) throw new Error(`generate: the logits of new token ${step} are not finite (logit ${i} is ${logits[i]}); the prefill is broken`);
  }
}

function resolveEos(given: GenerateOptions['eosTokenId'], dflt: number[]): number[] {
  if (given === undefined) return dflt;
  if (given === null) return [];
  return typeof given === 'number' ? [given] : [...given];
}

/** Greedy argmax, or a sample after temperature, top-k and top-p. */
export function pickToken(logits: ArrayLike<number>, opts: Pick<GenerateOptions, 'temperature' | 'topK' | 'topP'>, rng: Rng): number {
  const t = opts.temperature ?? 0;
  if (!(t >= 0)) throw new Error(`generate: temperature must be ≥ 0, got ${t}`);
  if (t === 0) return argmax(logits);
  const V = logits.length;
  // Candidates by descending logit (stable: lower id first on ties).
  let order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const k = opts.topK ?? 0;
  if (k < 0 || !Number.isInteger(k)) throw new Error(`generate: topK must be a non-negative integer, got ${k}`);
  if (k > 0 && k < V) order = order.slice(0, k);
  const max = logits[order[0]] / t;
  let probs = order.map((i) => Math.exp(logits[i] / t - max));
  let total = probs.reduce((s, p) => s + p, 0);
  const p = opts.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new Error(`generate: topP must be in (0, 1], got ${p}`);
  if (p < 1) {
    // Keep the most likely tokens until their mass reaches p (always at least one).
    let mass = 0;
    let keep = 0;
    while (keep < order.length && (keep === 0 || mass < p * total)) mass += probs[keep++];
    order = order.slice(0, keep);
    probs = probs.slice(0, keep);
    total = mass;
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < order.length; i++) {
    u -= probs[i];
    if (u < 0) return order[i];
  }
  return order[order.length - 1];
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}
