/**
 * The synthetic referring dataset: seeded determinism, regions that lie on the referred object, training
 * descriptions that match the scene, and model files that the engine's own readers accept.
 */
import { COLOURS, SHAPES, className, makeScene, trainSample, leftToRight, NUMBER_WORDS } from '../../src/train/synthetic.js';
import { maskImage, referSplit, type ReferTask } from '../../src/train/synthetic-refer.js';
import { modelFiles, vocabulary, IMAGE_ID } from '../../src/train/synthetic-files.js';
import { visualPrompt, maskFromRgb, modelQuestion } from '../../src/eval/question.js';
import { readQuestionFile } from '../../src/eval/questions-official.js';
import { regionWeights } from '../../src/controlmllm/regions.js';
import { preprocessGeometry, parseClipProcessorConfig } from '../../src/io/clip-preprocess.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { ChatTemplate, llavaPrompt } from '../../src/io/chat-template.js';
import { encodePng, decodeImage } from '../../src/io/image.js';
import { parseLlavaConfig } from '../../src/model/config.js';
import { Rng } from '../../src/tensor/random.js';

const TASKS: ReferTask[] = ['roc', 'colour', 'shape'];
const SHAPE = { imageSize: 48, patchSize: 8, vision: { hidden: 16, layers: 2, heads: 2, intermediate: 32 }, text: { hidden: 16, layers: 1, heads: 2, intermediate: 32 } };

describe('synthetic scenes', () => {
  test('the same seed gives the same records and pixels; another seed does not', () => {
    const a = referSplit(7, 4, TASKS);
    const b = referSplit(7, 4, TASKS);
    const c = referSplit(8, 4, TASKS);
    expect(JSON.stringify(a.map((x) => x.record))).toBe(JSON.stringify(b.map((x) => x.record)));
    a.forEach((x, i) => expect(Buffer.from(encodePng(x.scene.image)).equals(Buffer.from(encodePng(b[i].scene.image)))).toBe(true));
    expect(JSON.stringify(a.map((x) => x.record))).not.toBe(JSON.stringify(c.map((x) => x.record)));
    const t1 = trainSample(new Rng(3));
    const t2 = trainSample(new Rng(3));
    expect(t1.turns).toEqual(t2.turns);
    expect(Buffer.from(t1.image.data).equals(Buffer.from(t2.image.data))).toBe(true);
  });

  test('objects have distinct colours, 2–4 per scene, and are drawn in their colour', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 30; i++) {
      const s = makeScene(rng);
      expect(s.objects.length).toBeGreaterThanOrEqual(2);
      expect(s.objects.length).toBeLessThanOrEqual(4);
      expect(new Set(s.objects.map((o) => o.colour)).size).toBe(s.objects.length);
      for (const o of s.objects) {
        expect(COLOURS).toContain(o.colour);
        expect(SHAPES).toContain(o.shape);
        expect(o.area).toBeGreaterThanOrEqual(25);
      }
    }
  });

  test('box, mask, scribble and centre point lie on the referred object', () => {
    const items = referSplit(21, 40, TASKS);
    for (const { record: r, scene } of items) {
      const o = scene.objects[r.object_index];
      const W = scene.image.width;
      const on = (x: number, y: number) => o.mask[y * W + x] === 1;
      // mask PNG = exactly the object's visible pixels
      const m = maskFromRgb(decodeImage(encodePng(maskImage(scene, r.object_index)), 'mask.png'));
      expect(Array.from(m.data)).toEqual(Array.from(o.mask));
      // box = tight bounds of those pixels
      const [bx, by, bw, bh] = r.bbox;
      let [x0, y0, x1, y1] = [W, W, -1, -1];
      o.mask.forEach((v, i) => {
        if (!v) return;
        const [x, y] = [i % W, Math.floor(i / W)];
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      });
      expect([bx, by, bw, bh]).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      // point and scribble on the object, scribble 4-connected
      expect(on(...r.center_point)).toBe(true);
      r.scribble.forEach(([x, y], i) => {
        expect(on(x, y)).toBe(true);
        if (i > 0) expect(Math.abs(x - r.scribble[i - 1][0]) + Math.abs(y - r.scribble[i - 1][1])).toBe(1);
      });
      // the pixel under the point has the object's colour (no other object drawn over it)
      const px = (r.center_point[1] * W + r.center_point[0]) * 3;
      const rgb = Array.from(scene.image.data.subarray(px, px + 3));
      const others = scene.objects.filter((x) => x !== o);
      expect(others.every((x) => x.mask[r.center_point[1] * W + r.center_point[0]] === 0)).toBe(true);
      expect(rgb.some((c) => c > 100)).toBe(true);
      // answers
      if (r.task === 'roc') {
        expect(r.answer).toBe(className(o));
        expect(r.question).toContain(r.answer);
        expect(r.question).toContain(r.alternatives[0]);
      } else expect(r.answer).toBe(r.task === 'colour' ? o.colour : o.shape);
      expect(r.question).toContain('<location>');
    }
  });

  test('every prompt type gives grid weights that favour the object (6×6 grid)', () => {
    const cfg = parseClipProcessorConfig(JSON.parse(modelFiles(SHAPE)['preprocessor_config.json']));
    for (const { record: r, scene } of referSplit(5, 10, ['colour'])) {
      const geometry = preprocessGeometry(scene.image.width, scene.image.height, cfg);
      const o = scene.objects[r.object_index];
      const cellOn = (k: number) => o.mask[Math.floor(((Math.floor(k / 6) + 0.5) * 48) / 6) * 48 + Math.floor(((k % 6) + 0.5) * 8)] === 1;
      for (const type of ['box', 'mask', 'scribble', 'point'] as const) {
        const w = regionWeights(visualPrompt({ index: 0, id: r.id, form: 'synthetic', text: r.question, images: [r.image], label: r.answer, name: r.answer, synonyms: [], references: [], bbox: r.bbox, mask: r.mask, scribble: r.scribble, centerPoint: r.center_point }, type, () => maskFromRgb(maskImage(scene, r.object_index))), geometry, 6).weights;
        const best = w.indexOf(Math.max(...w));
        if (type === 'mask') expect(cellOn(best)).toBe(true);
        expect(w.some((x) => x > 0)).toBe(true);
      }
    }
  });

  test('training conversations describe the scene (single: colour/shape/class; multi: count/list/one named object)', () => {
    const rng = new Rng(99);
    let single = 0;
    for (let i = 0; i < 50; i++) {
      const s = trainSample(rng, { turns: 3, named: i % 2 === 1, hardNegatives: true });
      expect(s.turns).toHaveLength(3);
      if (s.objects.length === 1) {
        single++;
        const o = s.objects[0];
        for (const t of s.turns) expect([o.colour, o.shape, className(o)]).toContain(t.answer);
      } else {
        for (const t of s.turns) {
          if (t.question.startsWith('How many')) expect(t.answer).toBe(NUMBER_WORDS[s.objects.length]);
          else if (t.question.includes('left to right')) expect(t.answer.split(', ')).toHaveLength(s.objects.length);
          else {
            // One object named by an attribute no other object has; the answer is its other attribute.
            const named = s.objects.filter((o) => t.question.includes(` ${o.colour} `) || t.question.endsWith(` ${o.shape}?`));
            expect(named).toHaveLength(1);
            expect(t.answer).toBe(t.question.startsWith('What shape') ? named[0].shape : named[0].colour);
          }
        }
      }
      for (const t of s.turns) expect(t.question).not.toContain('<location>');
    }
    expect(single).toBeGreaterThan(15);
    expect(leftToRight).toBeDefined();
  });

  test('sameShapeShare: that share of multi-object scenes has one shape, and only they are asked "What shape is the object?"', () => {
    const rng = new Rng(11);
    let [same, asked] = [0, 0];
    for (let i = 0; i < 200; i++) {
      const s = trainSample(rng, { turns: 3, named: true, singleShare: 0, sameShapeShare: 0.5 });
      const shapes = new Set(s.objects.map((o) => o.shape));
      const generic = s.turns.filter((t) => t.question === 'What shape is the object?');
      if (shapes.size === 1) same++;
      if (generic.length) asked++;
      for (const t of generic) {
        expect(shapes.size).toBe(1);
        expect(t.answer).toBe(s.objects[0].shape);
      }
    }
    // one shape by chance too (2 objects: 1/9), so more than half; most same-shape scenes ask it (1 − ⅛ over 3 turns)
    expect(same).toBeGreaterThan(100);
    expect(same).toBeLessThan(150);
    expect(asked).toBeGreaterThan(70);
    const plain = new Rng(11); // without the option, multi-object scenes never are
    for (let i = 0; i < 50; i++) expect(trainSample(plain, { named: true, singleShare: 0 }).turns.map((t) => t.question)).not.toContain('What shape is the object?');
  });

  test('mainObjectShare: a larger main object, about which "the object" questions are asked', () => {
    const rng = new Rng(13);
    const [rMin, rMax] = [10, 16];
    let [main, otherNegative] = [0, 0];
    for (let i = 0; i < 150; i++) {
      const s = trainSample(rng, { size: 64, grid: 8, radius: [rMin, rMax], turns: 3, named: true, singleShare: 0, mainObjectShare: 0.5 });
      const [first, ...rest] = s.objects;
      const generic = s.turns.filter((t) => /^(What (colou?r|shape) is the object\?|What is the object\?|Is the object a )/.test(t.question));
      const isMain = first.r >= rMax - 1 && rest.every((o) => o.r <= rMin + 2);
      if (!isMain) {
        expect(generic).toEqual([]); // other multi-object scenes are never asked about "the object"
        continue;
      }
      main++;
      expect(first.r).toBeLessThanOrEqual(rMax + 3);
      for (const o of rest) expect(o.r).toBeGreaterThanOrEqual(rMin - 2);
      for (const t of generic) {
        const want = t.question.includes('shape') ? first.shape : /colou?r/.test(t.question) ? first.colour : className(first);
        expect(t.answer).toBe(want);
        const options = t.question.match(/^Is the object a (.+) or a (.+)\?$/)?.slice(1) ?? [];
        if (options.some((x) => x !== className(first) && rest.some((o) => className(o) === x))) otherNegative++;
      }
    }
    expect(main).toBeGreaterThan(55);
    expect(main).toBeLessThan(95);
    expect(otherNegative).toBeGreaterThan(5); // the wrong option is another object of the scene half the time
  });

  test('mainObjectShare: the main and other radii scale with the radius range', () => {
    // [15, 24] is [10, 16] at 1.5×: main 22.5–28.5, others 12–18 (at [10, 16]: 15–19 and 8–12)
    const rng = new Rng(17);
    let [bigMain, smallOther] = [0, 0];
    for (let i = 0; i < 120; i++) {
      const s = trainSample(rng, { size: 96, grid: 12, radius: [15, 24], turns: 1, singleShare: 0, mainObjectShare: 1 });
      const [first, ...rest] = s.objects;
      expect(first.r).toBeGreaterThanOrEqual(22.5);
      expect(first.r).toBeLessThanOrEqual(28.5);
      for (const o of rest) {
        expect(o.r).toBeGreaterThanOrEqual(12);
        expect(o.r).toBeLessThanOrEqual(18);
      }
      if (first.r > 27.5) bigMain++;
      if (rest.some((o) => o.r < 12.9)) smallOther++;
    }
    // fixed pixel offsets (main 23–27, others 13–17) would never reach these
    expect(bigMain).toBeGreaterThan(5);
    expect(smallOther).toBeGreaterThan(5);
  });

  test('shape questions refer to an object whose shape no other object in the scene has', () => {
    const items = referSplit(31, 60, TASKS);
    const shape = items.filter((it) => it.record.task === 'shape');
    expect(shape).toHaveLength(60);
    for (const { record: r, scene } of shape) {
      const o = scene.objects[r.object_index];
      expect(scene.objects.filter((x) => x.shape === o.shape)).toEqual([o]);
      expect(r.alternatives.length).toBeGreaterThan(0);
    }
    // colour questions still refer to any object: some of them to one that shares its shape
    const colour = items.filter((it) => it.record.task === 'colour');
    expect(colour.some(({ record: r, scene }) => scene.objects.filter((x) => x.shape === scene.objects[r.object_index].shape).length > 1)).toBe(true);
  });

  test('without listing, multi-object scenes are asked only about one named object', () => {
    const rng = new Rng(7);
    const kinds = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const s = trainSample(rng, { turns: 3, named: true, listing: false, singleShare: 0 });
      for (const t of s.turns) {
        expect(t.question).toMatch(/^What (shape is the \w+ object|colou?r is the \w+)\?$/);
        kinds.add(t.question.split(' ')[1]);
      }
    }
    expect([...kinds].sort()).toEqual(['color', 'colour', 'shape']);
  });
});

describe('model files', () => {
  test('tokenizer.json loads with the engine tokenizer and the chat template gives the LLaVA prompt', async () => {
    const f = modelFiles(SHAPE);
    const tok = await loadTokenizer({ 'tokenizer.json': f['tokenizer.json'], 'tokenizer_config.json': f['tokenizer_config.json'] });
    const template = ChatTemplate.fromFiles({ 'tokenizer_config.json': f['tokenizer_config.json'] });
    const prompt = llavaPrompt('Is the object a red circle or a blue square?', template);
    expect(prompt).toBe('USER: <image>\nIs the object a red circle or a blue square? ASSISTANT:');
    const ids = tok.encode(prompt);
    expect(ids[0]).toBe(tok.bosId);
    expect(ids.filter((i) => i === IMAGE_ID)).toHaveLength(1);
    expect(ids).not.toContain(0); // no <unk>: every word is in the vocabulary
    expect(tok.decode(tok.encode('red circle, blue square', { addBos: false }))).toBe('red circle, blue square');
    expect(tok.vocabSize).toBe(vocabulary().length);
  });

  test('config.json and preprocessor_config.json parse with the engine readers', () => {
    const f = modelFiles(SHAPE);
    const cfg = parseLlavaConfig(f['config.json']);
    expect(cfg.image_token_index).toBe(IMAGE_ID);
    expect(cfg.text_config.vocab_size).toBe(vocabulary().length);
    expect(cfg.vision_config.image_size / cfg.vision_config.patch_size).toBe(6);
    const p = parseClipProcessorConfig(JSON.parse(f['preprocessor_config.json']));
    expect(p.cropSize).toEqual({ height: 48, width: 48 });
  });

  test('written records read back through the question reader', () => {
    const lines = referSplit(3, 2, TASKS).map((x) => JSON.stringify(x.record)).join('\n');
    const { form, all: qs } = readQuestionFile(lines, 'q.json');
    expect(form).toBe('synthetic');
    expect(qs).toHaveLength(6);
    expect(qs[0].bbox).toHaveLength(4);
    expect(modelQuestion(qs[0], 'v1')).not.toContain('location');
    const synthetic = (text: string) => modelQuestion({ ...qs[0], text }, 'v1');
    expect(synthetic('Is the object <location> a red circle or a blue square?')).toBe('Is the object a red circle or a blue square?');
    expect(synthetic('What colour is the object <location>?')).toBe('What colour is the object?');
  });
});
