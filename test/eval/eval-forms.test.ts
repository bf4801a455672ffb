/**
 * `controlmllm eval` on the other forms, end to end on the bundled model: the project's synthetic form
 * (every prompt type, both methods, no preset), and referring description in the ScreenSpot and RefCOCOg
 * forms (BLEU-4 / CIDEr-D, METEOR and SPICE named as not computed).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { writeReferSplit } from '../../src/train/synthetic-write.js';
import { writeOfficialRoc } from '../../src/eval/write-official.js';

const MODEL = join(process.cwd(), 'weights', 'default');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await evalCommand.run([...argv, '--model', MODEL, '--backend', 'cpu', '--quiet', '--max-new-tokens', '4'], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

describe('controlmllm eval on the synthetic and referring-description forms', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-forms-'));
    writeReferSplit(dir, { name: 'val', seed: 1, perTask: 1 }, { size: 48, grid: 6 }, ['colour']);
    const roc = readFileSync(writeOfficialRoc(join(dir, 'ROC'), 5, 2, { size: 48, grid: 6 }), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // ScreenSpot form over the same scenes: the class name is the reference description.
    const ss = roc.map((r, i) => ({ id: i + 1, image_id: `s${i}`, image_path: `synthetic/${i}.png`, bbox: r.bbox, name: r.name.replace('_', ' '), text: 'What is this icon used for?', center_point: r.center_point, scribble: [], sam_mask: '', seg_mask: '' }));
    writeFileSync(join(dir, 'ROC', 'question_screenspot.json'), ss.map((x) => JSON.stringify(x)).join('\n'));
    // RefCOCOg form: COCO file names under COCO2014/train2014 (the decoder reads the PNG by its magic bytes).
    mkdirSync(join(dir, 'RefCOCOg', 'COCO2014', 'train2014'), { recursive: true });
    roc.forEach((_, i) => copyFileSync(join(dir, 'ROC', 'image', 'synthetic', `${i}.png`), join(dir, 'RefCOCOg', 'COCO2014', 'train2014', `COCO_train2014_${String(i + 1).padStart(12, '0')}.jpg`)));
    const test = roc.map((r, i) => ({ image_id: i + 1, bbox: r.bbox, expressions: [r.name.replace('_', ' '), 'a shape'] }));
    writeFileSync(join(dir, 'RefCOCOg', 'refcocog.json'), JSON.stringify({ test }, null, 2));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('synthetic form: no preset, baseline + v1 + ++ for every prompt type', async () => {
    const r = await run(['--questions', join(dir, 'val', 'question_colour.json'), '--data', join(dir, 'val', 'images'), '--steps', '2', '--pp-steps', '1', '--out', join(dir, 's.json')]);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/preset/);
    const report = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(report.meta.preset).toBeNull();
    expect(Object.keys(report.cells.colour).sort()).toEqual(['pp/box', 'pp/mask', 'pp/point', 'pp/scribble', 'v1/box', 'v1/mask', 'v1/point', 'v1/scribble']);
    expect(r.out).toContain('| method | box | mask | scribble | point |');
    expect(r.out).toContain('| baseline (no region) |');
    expect(r.out).toMatch(/In-region share of the image attention, before → after:\ncolour v1\/box: \d\.\d{3} → \d\.\d{3}/);
  });

  test('ScreenSpot: preset chosen from the form, BLEU-4 and CIDEr-D, METEOR and SPICE not computed', async () => {
    const r = await run(['--questions', join(dir, 'ROC', 'question_screenspot.json'), '--data', join(dir, 'ROC'), '--method', 'pp', '--out', join(dir, 'ss.json')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/preset screenspot \(chosen from the screenspot form/);
    expect(r.err).toMatch(/pp: steps 2, .*contrastive 0\.1,0\.1/);
    const report = JSON.parse(readFileSync(join(dir, 'ss.json'), 'utf8'));
    expect(report.scoring).toBe('caption');
    const cell = report.cells.screenspot['pp/box'];
    expect(cell.n).toBe(2);
    expect(cell.bleu4).toHaveLength(2);
    expect(Number.isFinite(cell.ciderD[1])).toBe(true);
    expect(report.notComputed.join(' ')).toMatch(/METEOR.*SPICE/);
    expect(r.out).toMatch(/\| BLEU-4 \| CIDEr-D \| METEOR \| SPICE \|/);
    expect(r.out).toContain('not computed');
    await expect(run(['--questions', join(dir, 'ROC', 'question_screenspot.json'), '--data', join(dir, 'ROC'), '--prompt', 'mask'])).rejects.toThrow(/only box, point/);
  });

  test('RefCOCOg: the test list, question_id = image_id, the expressions as label', async () => {
    const r = await run(['--questions', join(dir, 'RefCOCOg', 'refcocog.json'), '--data', join(dir, 'RefCOCOg'), '--method', 'v1', '--steps', '1', '--answers-file', join(dir, 'rc.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/preset refcocog/);
    expect(r.err).toMatch(/refcocog questions: 2 \(split test\)/);
    const lines = readFileSync(join(dir, 'rc.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.question_id)).toEqual([1, 2]);
    expect(lines[0].label).toEqual(expect.arrayContaining(['a shape']));
  });
});
