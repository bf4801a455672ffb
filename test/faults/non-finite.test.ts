/**
 * Issue 13 finding 2: a non-finite energy or latent stops the optimisation; the answer comes from the
 * last latent whose energy was finite (that very tensor), or, with no finite step, there is no
 * controlled answer and the CLI exits non-zero; NaN logits never decode as token 0.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { AskFailure, askAboutRegion } from '../../src/controlmllm/pipeline.js';
import { optimizePP, optimizeV1 } from '../../src/controlmllm/optimize.js';
import type { Objective } from '../../src/controlmllm/objective.js';
import { loadSession } from '../../src/controlmllm/session-node.js';
import { encodePng } from '../../src/io/image.js';
import { generate } from '../../src/model/generate.js';
import { openSafetensorsFile, writeSafetensorsFile } from '../../src/safetensors/node.js';
import * as T from '../../src/tensor/index.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';

const dir = tinyModelDir();
const image = { width: 30, height: 30, data: Uint8Array.from({ length: 2700 }, (_, i) => (i * 7) % 256) };
const box = [{ type: 'box' as const, box: [0, 0, 12, 12] as const }];

/** A quadratic bowl whose loss turns NaN on call `poison`; records every latent it is given. */
function recording(poison: number) {
  const seen: T.Tensor[] = [];
  const target = T.fromArray(Float32Array.from({ length: 6 }, (_, i) => i - 2), [1, 2, 3]);
  const objective: Objective = (d) => {
    seen.push(T.noGrad(() => d.mul(1)));
    const loss = d.sub(target).square().sum();
    return { loss: seen.length === poison ? loss.mul(NaN) : loss, attention: T.zeros([4]) };
  };
  return { seen, objective, zeros: T.zeros([1, 2, 3]) };
}

describe('optimisers keep the last finite latent, really that one', () => {
  it('v1: the final latent is the one evaluated at the last finite step', () => {
    const { seen, objective, zeros } = recording(3);
    const r = optimizeV1(objective, zeros, { steps: 5, lr: 0.1, beta: 0.5, earlyStopPct: null, accumulate: false });
    expect(r.stop).toBe('non-finite');
    expect(r.losses).toHaveLength(2);
    expect(r.finalDelta.toArray()).toEqual(seen[1].toArray());
    expect(r.finalDelta.toArray()).not.toEqual(seen[2].toArray());
  });

  it('++: the same for Adam', () => {
    const { seen, objective, zeros } = recording(2);
    const r = optimizePP(objective, zeros, { steps: 3, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-3 });
    expect(r.stop).toBe('non-finite');
    expect(r.finalDelta.toArray()).toEqual(seen[0].toArray());
  });

  it('a last update that overflows is dropped for the last evaluated latent', () => {
    const { seen, objective, zeros } = recording(0);
    const r = optimizeV1(objective, zeros, { steps: 1, lr: 1e39, beta: 0.5, earlyStopPct: null, accumulate: true }); // the update overflows float32
    expect(r.finalDelta.toArray().every(Number.isFinite)).toBe(true);
    expect(r.finalDelta.toArray()).toEqual(seen[seen.length - 1].toArray());
    expect(r.warnings.join('\n')).toMatch(/the last update made the latent non-finite; keeping the last finite latent/);
  });
});

describe('askAboutRegion with a diverging optimisation', () => {
  it('--lr 1e300 --accumulate --early-stop off: the controlled answer is the one from the last finite latent', async () => {
    const session = await loadSession(dir);
    const r = await askAboutRegion(session, { image, question: 'What is it?', regions: box }, { lr: 1e300, accumulate: true, earlyStopPct: null, steps: 4, maxNewTokens: 4 });
    expect(r.stop).toBe('non-finite');
    expect(r.losses.length).toBeGreaterThan(0);
    expect(Number.isFinite(r.insideRatio.after)).toBe(true);
    // The last finite latent is the unedited one (step 0): the answer equals the baseline, token for token.
    expect(r.controlled.tokens).toEqual(r.baseline!.tokens);
    expect(r.controlled.tokens.length).toBeGreaterThan(0);
  });

  it('an energy that is never finite gives no controlled answer but keeps the baseline', async () => {
    const session = await loadSession(dir);
    const run = askAboutRegion(session, { image, question: 'What is it?', regions: box }, { alpha: Infinity, maxNewTokens: 3 });
    const e = await run.catch((x) => x);
    expect(e).toBeInstanceOf(AskFailure);
    expect(e.message).toMatch(/^no controlled answer: the optimisation had no finite step \(step 0: non-finite loss/);
    expect(e.partial.baseline.tokens).toHaveLength(3);
    expect(e.partial.losses).toEqual([]);
  });
});

describe('the CLI never exits 0 on a broken answer', () => {
  it('--beta 1e308 and --lr 1e300 are refused with their ranges', async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => err.push(s) };
    const args = ['ask', '--model', dir, '--image', 'x.png', '--question', 'q', '--box', '0,0,5,5'];
    expect(await main([...args, '--beta', '1e308'], io)).toBe(1);
    expect(await main([...args, '--lr', '1e300'], io)).toBe(1);
    expect(err.join('')).toMatch(/--beta must be a number in \[0, 1\], got '1e308'[^]*--lr must be a number in \(0, 1000000\], got '1e300'/);
  });

  it('a model whose logits are NaN fails with a message instead of answering 30 zero tokens', async () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'nan-model-'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json']) copyFileSync(path.join(dir, f), path.join(bad, f));
    const src = openSafetensorsFile(path.join(dir, 'model.safetensors'));
    writeSafetensorsFile(path.join(bad, 'model.safetensors'), src.names().map((name: string) => {
      const data = src.readFloat32(name);
      if (name === 'language_model.lm_head.weight') data.fill(NaN);
      return { name, dtype: 'F32' as const, shape: src.info(name).shape, data };
    }));
    const img = path.join(bad, 'img.png');
    writeFileSync(img, encodePng(image));
    let out = '';
    let err = '';
    const code = await main(['ask', '--model', bad, '--image', img, '--question', 'What?', '--box', '0,0,12,12', '--json', '--backend', 'cpu'], {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
    });
    expect(code).toBe(1);
    expect(err).toMatch(/generate: the logits of new token 0 are not finite \(logit 0 is NaN\)/);
    expect(out).not.toMatch(/"controlled"/);
    const session = await loadSession(bad);
    expect(() => generate(session.model, T.zeros([1, 3, session.model.config.text_config.hidden_size]), { maxNewTokens: 2 })).toThrow(/not finite/);
  });
});
