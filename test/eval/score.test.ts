/** The official ROC/RTC scoring rule (eval.py): not-phrase removal, normalised name and synonyms, substrings. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latestByKey, type AnswerLine, type RunMeta } from '../../src/eval/answers-file.js';
import { readQuestionFile } from '../../src/eval/questions-official.js';
import { buildReport } from '../../src/eval/report.js';
import { isCorrect, normaliseName, normaliseSynonyms, removeNotPhrases, Tally } from '../../src/eval/score.js';

describe('remove_not_phrases_v2', () => {
  test('deletes "\\s+not[^,.]*[,.]" then "\\s+no[^,.]*[,.]" (as re.sub)', () => {
    expect(removeNotPhrases('It is not a red circle, it is a blue square.')).toBe('It is it is a blue square.');
    expect(removeNotPhrases('There is no red circle.')).toBe('There is');
    expect(removeNotPhrases('not a cat, a dog')).toBe('not a cat, a dog'); // needs whitespace before
    expect(removeNotPhrases('A dog, not a cat')).toBe('A dog, not a cat'); // needs a closing , or .
    // the official quirk: any word starting with "no" up to the next , or . goes too
    expect(removeNotPhrases('The red circle is north.')).toBe('The red circle is');
    expect(removeNotPhrases('a dog, not a cat, not a cow.')).toBe('a dog,');
  });
});

describe('name and synonym normalisation (eval.py)', () => {
  test("'_' → ' ' everywhere, stripped", () => {
    expect(normaliseName('teddy_bear')).toBe('teddy bear');
    expect(normaliseName(' traffic_light_ ')).toBe('traffic light');
    expect(normaliseSynonyms(['teddy_bear', 'toy_bear'])).toEqual(['teddy bear', 'toy bear']);
  });
  test("'bow_(weapon)' gives 'bow' and 'weapon'", () => {
    expect(normaliseSynonyms(['bow_(weapon)', 'die_(dice)', 'ping-pong_ball'])).toEqual(['bow', 'weapon', 'die', 'dice', 'ping-pong ball']);
    expect(normaliseSynonyms(['cap_(head_covering)'])).toEqual(['cap', 'head covering']);
  });
  test('a synonym eval.py would assert on is an error naming it', () => {
    expect(() => normaliseSynonyms(['a_(b'], 'q.json line 4')).toThrow(/q\.json line 4: synonym 'a_\(b'/);
    expect(() => normaliseSynonyms(['a_(b)_(c)'])).toThrow(/not of the form/);
  });
});

describe('isCorrect', () => {
  test('case-sensitive substring of the normalised name', () => {
    expect(isCorrect('red circle', 'red circle')).toBe(true);
    expect(isCorrect('The object is a red circle.', 'red circle')).toBe(true);
    expect(isCorrect('Red circle', 'red circle')).toBe(false);
    expect(isCorrect('blue square', 'red circle')).toBe(false);
  });
  test("'It is a teddy bear.' is right for teddy_bear, as in eval.py", () => {
    expect(isCorrect('It is a teddy bear.', normaliseName('teddy_bear'))).toBe(true);
    expect(isCorrect('It is a weapon.', normaliseName('bow'), normaliseSynonyms(['bow_(weapon)']))).toBe(true);
  });
  test('a synonym counts; negated mentions do not', () => {
    expect(isCorrect('a red disc', 'red circle', ['red disc'])).toBe(true);
    expect(isCorrect('It is not a red circle, it is a blue square.', 'red circle')).toBe(false);
    expect(isCorrect('It is not a red circle, it is a blue square.', 'blue square')).toBe(true);
  });
  test("an empty synonym matches everything (Python's '' in text)", () => {
    expect(isCorrect('anything', 'red circle', [''])).toBe(true);
    expect(isCorrect('anything', 'bow', normaliseSynonyms(['(weapon)']))).toBe(true);
  });
  test('naming both options counts (the wrong option is not checked)', () => {
    expect(isCorrect('red circle or blue square', 'blue square')).toBe(true);
  });
  test('Tally', () => {
    const t = new Tally();
    [true, false, true, true].forEach((x) => t.add(x));
    expect(t.pct()).toBe(75);
    expect(t.ci95()).toBeCloseTo(196 * Math.sqrt((0.75 * 0.25) / 4), 6);
    expect(new Tally().pct()).toBeNaN();
  });
});

describe('hand-written official-form lines, scored as the official eval.py scores them', () => {
  // test/fixtures/eval/roc-cases.json: ROC lines with '_' names, synonyms with parentheses, <location>
  // before, inside and after the question; roc-cases-answers.jsonl: official prediction lines.
  // `python controlmllm/llava/roc/eval.py --ann_file roc-cases.json --pred_file roc-cases-answers.jsonl
  //  --set test` (mrwu-mac/ControlMLLM 57e16e7) prints "Baseline ---> Acc:0.000%" and "Ours ---> Acc:80.000%".
  test('the same accuracies as the official scorer', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'eval');
    const text = readFileSync(join(dir, 'roc-cases.json'), 'utf8');
    const { form, selected } = readQuestionFile(text, 'roc-cases.json', null);
    expect(form).toBe('roc');
    const preds = readFileSync(join(dir, 'roc-cases-answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const lines: AnswerLine[] = preds.map((p, i) => ({ ...p, index: i, method: 'v1', prompt: 'box' }));
    const meta: RunMeta = { questions: { file: 'roc-cases.json', sha256: '', form, split: null, offset: 0, limit: null }, preset: 'roc', methods: ['v1'], prompts: ['box'], settings: {}, padToSquare: false, shard: null };
    const cell = buildReport(meta, selected, latestByKey(lines)).cells.roc['v1/box'];
    expect([cell.baseline, cell.controlled, cell.n]).toEqual([0, 80, 5]);
    // Per question (case 3: 'A Traffic light.' is wrong, the match is case-sensitive).
    expect(selected.map((q, i) => isCorrect(preds[i].answers[1], q.name, q.synonyms))).toEqual([true, true, false, true, true]);
    expect(selected[1].name).toBe('bow (weapon)'); // eval.py splits the synonyms' parentheses, not the name's
  });
  // rtc-cases.json / rtc-cases-answers.jsonl: `python controlmllm/llava/rtc/eval.py` prints
  // "Baseline ---> Acc:33.333%" and "Ours ---> Acc:66.667%" (label only: the stray synonyms field is ignored).
  test('RTC: the same accuracies as the official rtc/eval.py', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'eval');
    const { form, selected } = readQuestionFile(readFileSync(join(dir, 'rtc-cases.json'), 'utf8'), 'rtc-cases.json', null);
    expect(form).toBe('rtc');
    const preds = readFileSync(join(dir, 'rtc-cases-answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const lines: AnswerLine[] = preds.map((p, i) => ({ ...p, index: i, method: 'pp', prompt: 'box' }));
    const meta: RunMeta = { questions: { file: 'rtc-cases.json', sha256: '', form, split: null, offset: 0, limit: null }, preset: 'rtc', methods: ['pp'], prompts: ['box'], settings: {}, padToSquare: false, shard: null };
    const cell = buildReport(meta, selected, latestByKey(lines)).cells.rtc['pp/box'];
    expect(cell.baseline).toBeCloseTo(100 / 3, 9);
    expect(cell.controlled).toBeCloseTo(200 / 3, 9);
  });
});
