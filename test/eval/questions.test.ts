/**
 * Reading the official question files as they are: hand-written lines for every field variant of the ROC,
 * RTC, ScreenSpot and RefCOCOg forms, the official splits, the question the model sees, and the project's
 * synthetic form.
 */
import { maskFromRgb, modelQuestion, visualPrompt } from '../../src/eval/question.js';
import { readQuestionFile, REFCOCOG_QUESTION } from '../../src/eval/questions-official.js';

const jsonl = (...recs: object[]) => `${recs.map((r) => JSON.stringify(r)).join('\n')}\n`;

const roc = (over: object = {}) => ({
  id: 7, image_path: 'coco/val2017/000000001234.jpg', text: 'Is the object <location> a teddy_bear or a person?', name: 'teddy_bear',
  synonyms: ['teddy_bear', 'toy_(stuffed)'], bbox: [10.5, 20, 30, 40], seg_mask: '7.png', center_point: [25, 40], scribble: [[20, 30], [21, 30]], ...over,
});
const rtc = (over: object = {}) => ({ question_id: 3, image: 'COCO_train2014_000000000009.jpg', text: "Is the text <location> of the image 'STOP' or 'GO'? please select only one.", label: 'STOP', box: [1, 2, 3, 4], mask: '3.png', ...over });
const screenspot = (over: object = {}) => ({
  id: 1, image_id: 'web_1', image_path: 'web_1.png', bbox: [2321, 129, 208, 70], width: 2560, height: 1440, name: 'create a new project',
  text: 'What does this text say?', center_point: [2425.0, 164.0], scribble: [], sam_mask: '', seg_mask: '', ...over,
});

describe('ROC form (question_roc.json)', () => {
  test('official fields, layout DATA/image/<last two parts>, DATA/mask/<seg_mask>, normalised synonyms', () => {
    const { form, all } = readQuestionFile(jsonl(roc()), 'question_roc.json');
    expect(form).toBe('roc');
    const q = all[0];
    expect(q.id).toBe(7);
    expect(q.images).toEqual(['image/val2017/000000001234.jpg']);
    expect(q.mask).toBe('mask/7.png');
    expect(q.name).toBe('teddy bear');
    expect(q.synonyms).toEqual(['teddy bear', 'toy', 'stuffed']);
    expect(q.label).toBe('teddy_bear');
    expect(q.bbox).toEqual([10.5, 20, 30, 40]);
    expect(q.scribble).toEqual([[20, 30], [21, 30]]);
    expect(q.centerPoint).toEqual([25, 40]);
  });
  test("'<location> ' is removed as llava_roc.py does (str.replace), before and after the words", () => {
    const see = (text: string) => modelQuestion(readQuestionFile(jsonl(roc({ text })), 'q').all[0], 'v1');
    expect(see('Is the object <location> a cat or a dog?')).toBe('Is the object a cat or a dog?');
    expect(see('<location> Is it a cat or a dog?')).toBe('Is it a cat or a dog?');
    // At the very end there is no space after it: the official script leaves it in, and so do we.
    expect(see('What is the object <location>')).toBe('What is the object <location>');
    expect(modelQuestion(readQuestionFile(jsonl(roc({ text: 'Is the object <location> a cat?' })), 'q').all[0], 'pp')).toBe('Is the object a cat?');
  });
  test('--split test is the first 1,548 lines, val the rest (eval.py:49)', () => {
    const recs = Array.from({ length: 1550 }, (_, i) => roc({ id: i + 100 }));
    const text = jsonl(...recs);
    const test = readQuestionFile(text, 'q', 'test');
    expect(test.selected).toHaveLength(1548);
    const val = readQuestionFile(text, 'q', 'val');
    expect(val.selected.map((q) => [q.index, q.id])).toEqual([[1548, 1648], [1549, 1649]]);
    expect(() => readQuestionFile(jsonl(roc()), 'q', 'val')).toThrow(/first 1548/);
  });
  test('errors name the file, the line and the field', () => {
    expect(() => readQuestionFile(jsonl(roc(), roc({ name: undefined, synonyms: ['a'] })), 'question_roc.json')).toThrow(/question_roc\.json line 2: not a question in a known form/);
    expect(() => readQuestionFile(jsonl(roc({ bbox: [1, 2] })), 'q.json')).toThrow(/q\.json line 1: bbox: expected 4 numbers/);
    expect(() => readQuestionFile(jsonl(roc({ image_path: 'flat.jpg' })), 'q.json')).toThrow(/image_path 'flat\.jpg' has no folder/);
    expect(() => readQuestionFile(jsonl(roc({ synonyms: ['a_(b'] })), 'q.json')).toThrow(/q\.json line 1: synonyms: synonym 'a_\(b'/);
    expect(() => readQuestionFile(jsonl(roc(), rtc()), 'q.json')).toThrow(/q\.json line 2: a question in the rtc form, but q\.json line 1 is in the roc form/);
    expect(() => readQuestionFile('{"image": "a.png"}\n{"image": "b.png"}', 'f.json')).toThrow(/f\.json line 1: not a question in a known form/);
  });
});

describe('RTC form (question_rtc.json)', () => {
  test('question_id is the id; the label only is scored; DATA/image/<image>, DATA/mask/<mask>', () => {
    const { form, all } = readQuestionFile(jsonl(rtc(), rtc({ question_id: 'q-9', label: 'NO_ENTRY' })), 'question_rtc.json');
    expect(form).toBe('rtc');
    expect(all.map((q) => q.id)).toEqual([3, 'q-9']);
    expect(all[0].images).toEqual(['image/COCO_train2014_000000000009.jpg']);
    expect(all[0].mask).toBe('mask/3.png');
    expect(all[1].name).toBe('NO ENTRY');
    expect(all[0].synonyms).toEqual([]);
    expect(all[0].bbox).toEqual([1, 2, 3, 4]);
  });
  test("v1 removes ' <location>' (llava_rtc.py), ++ '<location> ' (llava_7b_rtc.py)", () => {
    const [q] = readQuestionFile(jsonl(rtc({ text: 'Is the text <location>? Say it.' })), 'q').all;
    expect(modelQuestion(q, 'v1')).toBe('Is the text? Say it.');
    expect(modelQuestion(q, 'pp')).toBe('Is the text <location>? Say it.');
    const [mid] = readQuestionFile(jsonl(rtc()), 'q').all;
    expect(modelQuestion(mid, 'v1')).toBe(modelQuestion(mid, 'pp'));
    expect(modelQuestion(mid, 'v1')).toBe("Is the text of the image 'STOP' or 'GO'? please select only one.");
  });
  test('--split test is the first 1,172 (the ++ split)', () => {
    const text = jsonl(...Array.from({ length: 1372 }, (_, i) => rtc({ question_id: i })));
    expect(readQuestionFile(text, 'q', 'test').selected).toHaveLength(1172);
    expect(readQuestionFile(text, 'q', 'val').selected).toHaveLength(200);
  });
});

describe('ScreenSpot form (question_screenspot.json)', () => {
  test('the question is the text as stored; name is the reference; empty scribble and seg_mask are absent', () => {
    const { form, all } = readQuestionFile(jsonl(screenspot(), screenspot({ id: 2, text: 'What is this icon used for?' })), 'question_screenspot.json');
    expect(form).toBe('screenspot');
    expect(modelQuestion(all[1], 'pp')).toBe('What is this icon used for?');
    expect(all[0].references).toEqual(['create a new project']);
    expect(all[0].images).toEqual(['image/web_1.png', 'web_1.png']);
    expect(all[0].scribble).toBeUndefined();
    expect(all[0].mask).toBeUndefined();
    expect(() => visualPrompt(all[0], 'scribble', () => ({ width: 1, height: 1, data: new Uint8Array(1) }))).toThrow(/no scribble/);
    expect(() => readQuestionFile(jsonl(screenspot()), 'q', 'test')).toThrow(/no official split/);
  });
});

describe('RefCOCOg form (refcocog.json)', () => {
  const file = { test: [{ image_id: 42, bbox: [1, 2, 3, 4], expressions: ['the man on the left', 'a man in red'] }], val: [{ image_id: 7, bbox: [0, 0, 5, 5], expressions: [{ sent: 'a dog' }] }] };
  test("reads ['test'] by default, ['val'] with --split val; the fixed question; COCO file names", () => {
    const t = readQuestionFile(JSON.stringify(file, null, 2), 'refcocog.json');
    expect([t.form, t.split]).toEqual(['refcocog', 'test']);
    const [q] = t.selected;
    expect(q.id).toBe(42);
    expect(modelQuestion(q, 'pp')).toBe(REFCOCOG_QUESTION);
    expect(q.references).toEqual(['the man on the left', 'a man in red']);
    expect(q.images[0]).toBe('COCO2014/train2014/COCO_train2014_000000000042.jpg');
    expect(readQuestionFile(JSON.stringify(file), 'refcocog.json', 'val').selected[0].references).toEqual(['a dog']);
    expect(() => readQuestionFile(JSON.stringify({ test: [{ image_id: 1, bbox: [0, 0, 1, 1], expressions: [] }] }), 'r.json')).toThrow(/r\.json test\[0\]: "expressions" must be a non-empty list/);
  });
});

describe('synthetic form (the project own)', () => {
  const rec = { id: 'q1', image: 'a.png', question: 'Is the object <location> a cat or a dog?', answer: 'cat', synonyms: ['kitty'], task: 'roc', bbox: [1, 2, 3, 4], mask: 'm.png', scribble: [[2, 3], [3, 3]], center_point: [2, 4] };
  test('JSON Lines and JSON arrays; paths relative to --data; visual prompts per type', () => {
    const { form, all } = readQuestionFile(JSON.stringify([rec]), 'q');
    expect(form).toBe('synthetic');
    const q = all[0];
    expect([q.images, q.mask, q.task]).toEqual([['a.png'], 'm.png', 'roc']);
    expect(readQuestionFile(jsonl(rec, rec), 'q').all).toHaveLength(2);
    const mask = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
    expect(visualPrompt(q, 'box', () => mask)).toEqual({ type: 'box', box: [1, 2, 3, 4], format: 'xywh' });
    expect(visualPrompt(q, 'point', () => mask)).toEqual({ type: 'point', point: [2, 4] });
    expect(visualPrompt(q, 'scribble', () => mask)).toEqual({ type: 'scribble', points: [[2, 3], [3, 3]], connect: false });
    const m = visualPrompt(q, 'mask', (p) => (expect(p).toBe('m.png'), maskFromRgb(mask)));
    expect(m.type === 'mask' && Array.from(m.data)).toEqual([0, 1]);
    expect(modelQuestion(q, 'v1')).toBe('Is the object a cat or a dog?');
    expect(() => readQuestionFile(JSON.stringify([rec]), 'q', 'test')).toThrow(/no official split/);
  });
});
