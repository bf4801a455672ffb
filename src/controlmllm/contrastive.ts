/**
 * Contrastive decoding against the un-prompted prefill (ControlMLLM++ `--use_cd`), greedy.
 * ASSUMPTION (SPEC-controlmllm §8.6 marks the fork's formula unverified): the VCD form
 *   logits = (1 + α)·logit_cond − α·logit_uncond, over tokens with p_cond ≥ β · max p_cond,
 * with both prefills decoded in lockstep through their own KV caches.
 */
import { checkContextLength, checkFiniteLogits, type Decoder } from '../model/generate.js';
import { noGrad, type Tensor } from '../tensor/index.js';

export interface ContrastiveOptions {
  alpha: number;
  beta: number;
}

export function contrastiveGenerate(
  model: Decoder,
  cond: Tensor, // [1, T, C] edited prefill
  uncond: Tensor, // [1, T, C] original prefill
  opts: ContrastiveOptions & { maxNewTokens: number; onToken?: (token: number) => void },
): number[] {
  checkContextLength(model.config.text_config, cond.shape[1], opts.maxNewTokens);
  return noGrad(() => {
    const eos = new Set(model.config.text_config.eos_token_id);
    const tokens: number[] = [];
    let a = model.decode(cond);
    let b = model.decode(uncond);
    for (let step = 0; step < opts.maxNewTokens; step++) {
      const lc = a.logits.select(1, -1).toArray(); // [V]
      const lu = b.logits.select(1, -1).toArray();
      checkFiniteLogits(lc, step);
      checkFiniteLogits(lu, step);
      const maxC = Math.max(...lc);
      const cutoff = maxC + Math.log(opts.beta); // p_cond ≥ β·max p_cond  ⇔  logit ≥ max + log β
      let best = -1;
      let bestScore = -Infinity;
      lc.forEach((l, i) => {
        if (l < cutoff) return;
        const s = (1 + opts.alpha) * l - opts.alpha * lu[i];
        if (s > bestScore) [best, bestScore] = [i, s];
      });
      tokens.push(best);
      opts.onToken?.(best);
      if (eos.has(best)) break;
      const next = model.embedText([best]);
      a = model.decode(next, { cache: a.cache });
      b = model.decode(next, { cache: b.cache });
    }
    return tokens;
  });
}
