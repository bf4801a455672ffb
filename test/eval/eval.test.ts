/**
 * `controlmllm eval` end to end on the bundled model (weights/default) and a few questions in the
 * official ROC form written by the synthetic writer: the preset chosen from the file, official-form
 * answers lines, resume after an interruption, two shards merged, and the identical report each way.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { metaPath } from '../../src/eval/answers-file.js';
import { readQuestionFile } from '../../src/eval/questions-official.js';
import { writeOfficialRoc } from '../../src/eval/write-official.js';

const MODEL = join(process.cwd(), 'weights', 'default');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await evalCommand.run(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const report = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('controlmllm eval on the official ROC form', () => {
  let dir = '';
  let common: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-official-'));
    writeOfficialRoc(join(dir, 'ROC'), 11, 4, { size: 48, grid: 6 });
    common = ['--model', MODEL, '--questions', join(dir, 'ROC', 'question_roc.json'), '--data', join(dir, 'ROC'), '--backend', 'cpu', '--quiet', '--method', 'pp', '--prompt', 'box', '--max-new-tokens', '4'];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the writer emits the official ROC form and layout', () => {
    const text = readFileSync(join(dir, 'ROC', 'question_roc.json'), 'utf8');
    const rec = JSON.parse(text.split('\n')[0]);
    expect(Object.keys(rec).sort()).toEqual(['bbox', 'center_point', 'id', 'image_path', 'name', 'scribble', 'seg_mask', 'synonyms', 'text']);
    expect(rec.text).toContain('<location> ');
    expect(rec.name).toMatch(/^[a-z]+_[a-z]+$/);
    const { form, all } = readQuestionFile(text, 'question_roc.json');
    expect(form).toBe('roc');
    expect(all).toHaveLength(4);
    for (const q of all) {
      expect(existsSync(join(dir, 'ROC', q.images[0]))).toBe(true);
      expect(existsSync(join(dir, 'ROC', q.mask!))).toBe(true);
    }
  });

  test('run, resume after an interruption, two shards merged: the identical report', async () => {
    const full = await run([...common, '--answers-file', join(dir, 'full.jsonl'), '--out', join(dir, 'full.json')]);
    expect(full.code).toBe(0);
    expect(full.err).toMatch(/preset roc \(chosen from the roc form/);
    expect(full.err).toMatch(/pp: steps 3, alpha 400, lr 0\.03, eps 0\.001, sigma 0\.4, contrastive 0\.7,0\.1, maxNewTokens 4/);
    const answers = lines(join(dir, 'full.jsonl'));
    expect(answers.map((l) => l.question_id)).toEqual([0, 1, 2, 3]);
    for (const l of answers) expect(l.answers).toHaveLength(2);
    const r = report(join(dir, 'full.json'));
    expect(r.meta.preset).toBe('roc');
    expect(r.meta.settings.pp.contrastive).toEqual({ alpha: 0.7, beta: 0.1 });
    expect(r.cells.roc['pp/box'].n).toBe(4);
    const { baseline, baselineCi95 } = r.cells.roc['pp/box'];
    expect(baselineCi95).toBeCloseTo(196 * Math.sqrt(((baseline! / 100) * (1 - baseline! / 100)) / 4), 9);
    expect(full.out).toMatch(/\| ControlMLLM\+\+ \| \d+\.\d ± \d+\.\d \(n=4\) \|/);

    // Interrupted after one answer, in the middle of writing the second line.
    const cut = readFileSync(join(dir, 'full.jsonl'), 'utf8').split('\n');
    writeFileSync(join(dir, 'int.jsonl'), `${cut[0]}\n${cut[1].slice(0, 20)}`);
    copyFileSync(metaPath(join(dir, 'full.jsonl')), metaPath(join(dir, 'int.jsonl')));
    const resumed = await run([...common, '--answers-file', join(dir, 'int.jsonl'), '--resume', '--out', join(dir, 'int.json')]);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/incomplete last line/);
    expect(lines(join(dir, 'int.jsonl'))).toEqual(answers);
    expect(report(join(dir, 'int.json'))).toEqual(r);

    for (const i of [0, 1]) expect((await run([...common, '--shard', `${i}/2`, '--answers-file', join(dir, `s${i}.jsonl`)])).code).toBe(0);
    expect(lines(join(dir, 's0.jsonl')).map((l) => l.index)).toEqual([0, 1]);
    const merged = await run(['merge', '--questions', join(dir, 'ROC', 'question_roc.json'), '--answers-file', join(dir, 'merged.jsonl'), '--out', join(dir, 'merged.json'), join(dir, 's1.jsonl'), join(dir, 's0.jsonl')]);
    expect(merged.code).toBe(0);
    expect(report(join(dir, 'merged.json'))).toEqual(r);
    expect(lines(join(dir, 'merged.jsonl'))).toEqual(answers);
    expect(merged.out).toBe(full.out);
  });

  test('merge refuses overlaps, gaps and other settings; eval refuses to overwrite or resume other settings', async () => {
    const q = join(dir, 'ROC', 'question_roc.json');
    await expect(run(['merge', '--questions', q, join(dir, 's0.jsonl'), join(dir, 's0.jsonl')])).rejects.toThrow(/overlap: pp\/box#0/);
    await expect(run(['merge', '--questions', q, join(dir, 's0.jsonl')])).rejects.toThrow(/gap: 2 of 4 answers missing/);
    await expect(run([...common, '--answers-file', join(dir, 'full.jsonl')])).rejects.toThrow(/full\.jsonl exists: pass --resume/);
    await expect(run([...common, '--answers-file', join(dir, 'full.jsonl'), '--resume', '--pp-lr', '0.1'])).rejects.toThrow(/other settings \(settings:/);
    await expect(run([...common, '--answers-file', join(dir, 's0.jsonl'), '--resume', '--shard', '1/2'])).rejects.toThrow(/other settings \(shard:/);
    await expect(run([...common, '--prompt', 'lasso'])).rejects.toThrow(/--prompt/);
    await expect(run([...common, '--shard', '2/2', '--answers-file', join(dir, 'x.jsonl')])).rejects.toThrow(/--shard must be i\/n/);
  });

  test('a failed question is counted apart, not as wrong; exit 1 unless --keep-going', async () => {
    const src = readFileSync(join(dir, 'ROC', 'question_roc.json'), 'utf8').trim().split('\n').slice(0, 2).map((l) => JSON.parse(l));
    src[1].scribble = [];
    const file = join(dir, 'ROC', 'broken.json');
    writeFileSync(file, src.map((x) => JSON.stringify(x)).join('\n'));
    const args = [...common.map((x) => (x === 'box' ? 'scribble' : x === join(dir, 'ROC', 'question_roc.json') ? file : x)), '--out', join(dir, 'b.json')];
    const failed = await run(args);
    expect(failed.code).toBe(1);
    const r = report(join(dir, 'b.json'));
    expect(r.cells.roc['pp/scribble']).toMatchObject({ n: 1, failed: 1 });
    expect(r.failures).toEqual([expect.objectContaining({ question_id: 1, error: expect.stringMatching(/no scribble/) })]);
    expect(failed.out).toMatch(/\| failed, pp \(not scored\) \| 1 \|/);
    expect((await run([...args, '--keep-going'])).code).toBe(0);

    src[0].image_path = 'synthetic/missing.png';
    writeFileSync(file, src.map((x) => JSON.stringify(x)).join('\n'));
    await expect(run(args)).rejects.toThrow(/1 file\(s\) missing under --data .*image\/synthetic\/missing\.png/s);
  });

  test('--out and --markdown are checked before any question runs, and written both or neither', async () => {
    const out = join(dir, 'never.json');
    const bad = join(dir, 'no-such-folder', 'table.md');
    await expect(run([...common, '--out', out, '--markdown', bad])).rejects.toThrow(/no-such-folder\/table\.md: cannot write: the folder .* does not exist/);
    expect(existsSync(out)).toBe(false);
  });
});
