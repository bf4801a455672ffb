/** The official ROC/RTC scoring rule (remove_not_phrases_v2 + case-sensitive substring) and question reading. */
import { isCorrect, removeNotPhrases, Tally } from '../../src/controlmllm/score.js';
import { parseQuestionFile, visualPrompt, maskFromRgb } from '../../src/controlmllm/score-questions.js';
import { markdownTable } from '../../src/cli/commands/eval.js';

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

describe('isCorrect', () => {
  test('case-sensitive substring of the answer, with underscores read as spaces', () => {
    expect(isCorrect('red circle', 'red circle')).toBe(true);
    expect(isCorrect('The object is a red circle.', 'red circle')).toBe(true);
    expect(isCorrect('Red circle', 'red circle')).toBe(false);
    expect(isCorrect('a traffic light', 'traffic_light')).toBe(true);
    expect(isCorrect('blue square', 'red circle')).toBe(false);
  });
  test('a synonym counts; negated mentions do not', () => {
    expect(isCorrect('a red disc', 'red circle', ['red disc'])).toBe(true);
    expect(isCorrect('It is not a red circle, it is a blue square.', 'red circle')).toBe(false);
    expect(isCorrect('It is not a red circle, it is a blue square.', 'blue square')).toBe(true);
    expect(isCorrect('anything', 'red circle', [''])).toBe(false);
  });
  test('naming both options counts (the wrong option is not checked)', () => {
    expect(isCorrect('red circle or blue square', 'blue square')).toBe(true);
  });
  test('Tally', () => {
    const t = new Tally();
    [true, false, true, true].forEach((x) => t.add(x));
    expect(t.pct()).toBe(75);
    expect(t.ci95()).toBeCloseTo(196 * Math.sqrt(0.75 * 0.25 / 4), 6);
    expect(new Tally().pct()).toBeNaN();
  });
});

describe('question files', () => {
  const rec = { id: 'q1', image: 'a.png', question: 'Is the object <location> a cat or a dog?', answer: 'cat', synonyms: ['kitty'], bbox: [1, 2, 3, 4], mask: 'm.png', scribble: [[2, 3], [3, 3]], center_point: [2, 4] };
  test('JSON Lines and JSON arrays, with aliases (name, image_path, box)', () => {
    const jsonl = `${JSON.stringify(rec)}\n${JSON.stringify({ image_path: 'b.png', question: 'What is <location>?', name: 'dog', box: [0, 0, 5, 5] })}\n`;
    const qs = parseQuestionFile(jsonl);
    expect(qs.map((q) => [q.image, q.answer])).toEqual([['a.png', 'cat'], ['b.png', 'dog']]);
    expect(qs[1].bbox).toEqual([0, 0, 5, 5]);
    expect(parseQuestionFile(JSON.stringify([rec]))[0].centerPoint).toEqual([2, 4]);
    expect(() => parseQuestionFile('{"image": "a.png"}\n{"image": "b.png"}', 'f.json')).toThrow(/f\.json line 1: missing "question"/);
    expect(() => parseQuestionFile(JSON.stringify([{ ...rec, bbox: [1, 2] }]), 'f.json')).toThrow(/bbox: expected 4 numbers/);
  });
  test('visual prompts per type', () => {
    const [q] = parseQuestionFile(JSON.stringify([rec]));
    const mask = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
    expect(visualPrompt(q, 'box', () => mask)).toEqual({ type: 'box', box: [1, 2, 3, 4], format: 'xywh' });
    expect(visualPrompt(q, 'point', () => mask)).toEqual({ type: 'point', point: [2, 4] });
    expect(visualPrompt(q, 'scribble', () => mask)).toEqual({ type: 'scribble', points: [[2, 3], [3, 3]], connect: false });
    const m = visualPrompt(q, 'mask', (p) => (expect(p).toBe('m.png'), maskFromRgb(mask)));
    expect(m.type === 'mask' && Array.from(m.data)).toEqual([0, 1]);
    const [bare] = parseQuestionFile(JSON.stringify([{ image: 'a', question: 'q', answer: 'a' }]));
    expect(() => visualPrompt(bare, 'mask', () => mask)).toThrow(/no mask/);
  });
  test('markdown table', () => {
    const b = new Tally();
    b.add(true);
    b.add(false);
    const c = new Tally();
    c.add(true);
    const md = markdownTable('T', b, new Map([['v1/box', c]]), ['v1'], ['box', 'mask'], { v1: 'v1 (defaults)' });
    expect(md).toContain('| baseline (no region) | 50.0 (n=2) | 50.0 (n=2) |');
    expect(md).toContain('| v1 (defaults) | 100.0 (n=1) | – |');
  });
});
