/**
 * `controlmllm eval` end to end on a tiny freshly trained model and a few synthetic questions written in
 * the official form: every question is answered once without a region and once per prompt type and
 * method, scored, and reported as JSON and Markdown.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { TINY_TRAIN, trainDefaultModel } from '../../src/train/train-default.js';
import { writeReferSplit } from '../../src/train/synthetic-write.js';

describe('controlmllm eval', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-test-'));
    trainDefaultModel({ ...TINY_TRAIN, steps: 2 }, join(dir, 'model'));
    writeReferSplit(dir, { name: 'val', seed: 1, perTask: 2 }, { size: 32, radius: [5, 8], grid: 2 }, ['roc', 'colour']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('baseline + v1 + ++ for every prompt type, JSON report and Markdown table', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await evalCommand.run(
      ['--model', join(dir, 'model'), '--questions', join(dir, 'val', 'question_roc.json'), '--images', join(dir, 'val', 'images'),
        '--backend', 'cpu', '--steps', '2', '--pp-steps', '1', '--max-new-tokens', '3', '--out', join(dir, 'r.json'), '--markdown', join(dir, 't.md')],
      { stdout: (s) => out.push(s), stderr: (s) => err.push(s) },
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.count).toBe(2);
    expect(report.rows).toHaveLength(2);
    for (const row of report.rows) {
      expect(row.question).not.toContain('<location>');
      expect(row.runs.map((r: { method: string; prompt: string }) => `${r.method}/${r.prompt}`).sort()).toEqual(
        ['pp/box', 'pp/mask', 'pp/point', 'pp/scribble', 'v1/box', 'v1/mask', 'v1/point', 'v1/scribble'],
      );
      for (const r of row.runs) expect(r.error).toBeUndefined();
    }
    expect(report.summary.roc.baseline.n).toBe(2);
    expect(report.summary.roc.v1.box.n).toBe(2);
    const md = readFileSync(join(dir, 't.md'), 'utf8');
    expect(md).toContain('| method | box | mask | scribble | point |');
    expect(md).toContain('| baseline (no region) |');
    expect(out.join('')).toContain('ControlMLLM v1 (steps 2)');
  });

  test('--prompt and --method select columns and rows; bad values are usage errors', async () => {
    const io = { stdout: () => {}, stderr: () => {} };
    const args = ['--model', join(dir, 'model'), '--questions', join(dir, 'val', 'question_colour.json'), '--images', join(dir, 'val', 'images'), '--backend', 'cpu', '--max-new-tokens', '2', '--quiet'];
    expect(await evalCommand.run([...args, '--prompt', 'point', '--method', 'v1', '--limit', '1', '--steps', '1', '--out', join(dir, 'p.json')], io)).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    expect(report.rows[0].runs.map((r: { method: string; prompt: string }) => `${r.method}/${r.prompt}`)).toEqual(['v1/point']);
    await expect(evalCommand.run([...args, '--prompt', 'lasso'], io)).rejects.toThrow(/--prompt/);
    await expect(evalCommand.run([...args, '--method', 'v2'], io)).rejects.toThrow(/--method/);
  });
});
