/**
 * `controlmllm eval` on a Qwen2.5-VL folder: the official Qwen ROC/RTC presets (T − 1 Adam steps, lr,
 * max_pixels 512·28·28, the answer-format suffix), end to end on the tiny model with an official ROC file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { preset } from '../../src/eval/presets.js';
import { writeOfficialRoc } from '../../src/eval/write-official.js';
import { tinyQwenDir } from '../helpers/qwen-model-dir.js';

describe('Qwen2.5-VL eval presets', () => {
  it('follow controlmllm++/qwen2_5_vl: ROC T 2 lr 0.02, RTC T 3 lr 0.03, boxes, max_pixels 401408, the suffix', () => {
    const roc = preset('roc', 'qwen2_5_vl');
    expect(roc.settings.pp).toMatchObject({ method: 'pp', steps: 1, lr: 0.02, alpha: 400, eps: 1e-3, maxPixels: 401408, maxNewTokens: 30 });
    expect(roc.settings.pp.contrastive).toBeUndefined();
    expect(preset('rtc', 'qwen2_5_vl').settings.pp).toMatchObject({ steps: 2, lr: 0.03 });
    expect(roc.prompts).toEqual(['box']);
    expect(roc.questionSuffix).toBe(' Answer the question using a single word or phrase.');
    expect(preset('roc').settings.pp).toMatchObject({ steps: 3, lr: 0.03 }); // LLaVA's unchanged
    expect(() => preset('refcocog', 'qwen2_5_vl')).toThrow(/no official Qwen2.5-VL settings for this task/);
  });

  it('eval on the tiny Qwen folder: preset chosen from the ROC form, questions with the suffix, a report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qwen-eval-'));
    try {
      const file = writeOfficialRoc(join(dir, 'ROC'), 2, 3, { size: 56, grid: 4 });
      const out: string[] = [];
      const err: string[] = [];
      const argv = ['--model', tinyQwenDir(), '--questions', file, '--data', join(dir, 'ROC'), '--method', 'pp', '--out', join(dir, 'r.json'), '--backend', 'cpu', '--quiet', '--max-new-tokens', '2', '--answers-file', join(dir, 'a.jsonl')];
      const code = await evalCommand.run(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
      expect(err.join('')).toMatch(/preset roc \(chosen from the roc form.*: controlmllm\+\+\/qwen2_5_vl\/roc/);
      expect(err.join('')).toMatch(/pp: steps 1, alpha 400, lr 0.02, eps 0.001, maxNewTokens 2, maxPixels 401408/);
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.meta.preset).toBe('roc');
      const lines = readFileSync(join(dir, 'a.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(3); // 3 questions, one (pp, box) answer each
      for (const l of lines) expect([l.error, l.steps]).toEqual([undefined, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
