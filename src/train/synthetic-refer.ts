/**
 * Referring questions on synthetic scenes in the official ControlMLLM ROC form: one record per
 * question, the region of the referred object as a COCO xywh box, a mask, a scribble inside it and a
 * centre point. A pure function of the seed, like the scenes (synthetic.ts).
 */
import type { RgbImage } from '../io/image.js';
import { Rng } from '../tensor/random.js';
import { RGB, className, makeScene, otherClass, type Colour, type Scene, type SceneObject, type SceneOptions, type Shape } from './synthetic.js';

// ---------------------------------------------------------------------------------------------------
// Referring questions (the evaluation splits)

export type ReferTask = 'roc' | 'colour' | 'shape';

/** One question in the official ROC JSON form (plus a few descriptive fields). */
export interface ReferRecord {
  id: string;
  /** Image file, relative to the images folder. */
  image: string;
  width: number;
  height: number;
  task: ReferTask;
  /** Contains `<location>`, removed before the model sees it. */
  question: string;
  /** Ground-truth answer (class name for ROC). */
  answer: string;
  /** Other accepted spellings (LVIS-style synonyms). */
  synonyms: string[];
  /** The wrong option(s) of a two-choice question; the wrong values of an open question. */
  alternatives: string[];
  /** COCO [x, y, w, h] of the visible object. */
  bbox: [number, number, number, number];
  /** Mask PNG (0 / 255), relative to the images folder. */
  mask: string;
  /** Pixels [x, y] inside the object, consecutive ones 4-adjacent. */
  scribble: Array<[number, number]>;
  /** A pixel of the object nearest the box centre. */
  center_point: [number, number];
  /** Index of the referred object in the scene, and all objects (for analysis). */
  object_index: number;
  objects: Array<{ colour: Colour; shape: Shape; bbox: [number, number, number, number] }>;
}

export const SHAPE_SYNONYMS: Record<Shape, string[]> = { circle: ['disc', 'disk', 'round'], square: ['box', 'rectangle'], triangle: [] };
export const COLOUR_SYNONYMS: Record<Colour, string[]> = { red: [], green: [], blue: [], yellow: [], purple: ['violet'], white: [] };

/** The visible pixel nearest the box centre (the box centre itself when it is on the object). */
export function centerPoint(o: SceneObject, W: number): [number, number] {
  const [bx, by, bw, bh] = o.box;
  const [cx, cy] = [Math.floor(bx + bw / 2), Math.floor(by + bh / 2)];
  let best: [number, number] = [cx, cy];
  let bestD = Infinity;
  o.mask.forEach((m, i) => {
    if (!m) return;
    const d = Math.hypot((i % W) - cx, Math.floor(i / W) - cy);
    if (d < bestD) [bestD, best] = [d, [i % W, Math.floor(i / W)]];
  });
  return best;
}

/** A short random walk of 4-adjacent pixels that stays on the object. */
export function scribbleOn(rng: Rng, o: SceneObject, W: number, H: number): Array<[number, number]> {
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < W && y < H && o.mask[y * W + x] === 1;
  let [x, y] = centerPoint(o, W);
  const points: Array<[number, number]> = [[x, y]];
  const steps = 6 + rng.int(10);
  const dirs = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;
  let dir = rng.int(4);
  for (let s = 0; s < steps; s++) {
    if (rng.uniform() < 0.3) dir = rng.int(4);
    for (let k = 0; k < 4; k++) {
      const [dx, dy] = dirs[(dir + k) % 4];
      if (on(x + dx, y + dy)) {
        dir = (dir + k) % 4;
        [x, y] = [x + dx, y + dy];
        points.push([x, y]);
        break;
      }
    }
  }
  return points;
}

/** The nearest other object (Ferret's negative: a class whose centre is close to the referred one). */
function nearest(objs: readonly SceneObject[], k: number): SceneObject {
  const o = objs[k];
  return objs.filter((_, i) => i !== k).reduce((a, b) => (Math.hypot(a.cx - o.cx, a.cy - o.cy) <= Math.hypot(b.cx - o.cx, b.cy - o.cy) ? a : b));
}

/** The question of `task` about object k of a scene (the mask file name is filled in by the writer). */
export function referQuestion(rng: Rng, task: ReferTask, scene: Scene, k: number, ids: { id: string; image: string; mask: string }): ReferRecord {
  const o = scene.objects[k];
  const { width: W, height: H } = scene.image;
  let q: Pick<ReferRecord, 'question' | 'answer' | 'synonyms' | 'alternatives'>;
  if (task === 'roc') {
    // The wrong option is the nearest other object (a one-object scene: another class, as in training).
    const neg = className(scene.objects.length > 1 ? nearest(scene.objects, k) : otherClass(rng, o, true));
    const [a, b] = rng.int(2) ? [className(o), neg] : [neg, className(o)];
    q = { question: `Is the object <location> a ${a} or a ${b}?`, answer: className(o), synonyms: SHAPE_SYNONYMS[o.shape].map((s) => `${o.colour} ${s}`), alternatives: [neg] };
  } else if (task === 'colour') {
    q = { question: `What colour is the object <location>?`, answer: o.colour, synonyms: COLOUR_SYNONYMS[o.colour], alternatives: scene.objects.filter((_, i) => i !== k).map((x) => x.colour) };
  } else {
    q = { question: `What shape is the object <location>?`, answer: o.shape, synonyms: SHAPE_SYNONYMS[o.shape], alternatives: [...new Set(scene.objects.filter((x) => x.shape !== o.shape).map((x) => x.shape))] };
  }
  return {
    ...ids,
    width: W,
    height: H,
    task,
    ...q,
    bbox: o.box,
    scribble: scribbleOn(rng, o, W, H),
    center_point: centerPoint(o, W),
    object_index: k,
    objects: scene.objects.map((x) => ({ colour: x.colour, shape: x.shape, bbox: x.box })),
  };
}

const anyTarget = (rng: Rng, opts: SceneOptions) => {
  const scene = makeScene(rng, opts);
  return { scene, k: rng.int(scene.objects.length) };
};

/**
 * A scene and an object whose shape no other object in it has. Colours are distinct in a scene, so every
 * colour question depends on the region; a shape question only does when the referred shape is unique
 * (in a scene of three circles, any object answers it).
 */
function uniqueShapeTarget(rng: Rng, opts: SceneOptions): { scene: Scene; k: number } {
  for (;;) {
    const scene = makeScene(rng, opts);
    const unique = scene.objects.flatMap((o, i) => (scene.objects.every((x) => x === o || x.shape !== o.shape) ? [i] : []));
    if (unique.length) return { scene, k: unique[rng.int(unique.length)] };
  }
}

/** A split of referring questions: `perTask` questions of each task, one scene per question. */
export function referSplit(seed: number, perTask: number, tasks: readonly ReferTask[], opts: SceneOptions = {}, prefix = '') {
  const rng = new Rng(seed);
  const items: Array<{ record: ReferRecord; scene: Scene }> = [];
  for (const task of tasks) {
    for (let i = 0; i < perTask; i++) {
      const { scene, k } = task === 'shape' ? uniqueShapeTarget(rng, opts) : anyTarget(rng, opts);
      const id = `${prefix}${task}-${String(i).padStart(4, '0')}`;
      items.push({ record: referQuestion(rng, task, scene, k, { id, image: `${id}.png`, mask: `masks/${id}.png` }), scene });
    }
  }
  return items;
}

/** The mask of object k as an RGB image (255 inside, 0 outside), the form the mask PNG takes. */
export function maskImage(scene: Scene, k: number): RgbImage {
  const { width: W, height: H } = scene.image;
  const data = new Uint8Array(W * H * 3);
  scene.objects[k].mask.forEach((m, i) => m && data.fill(255, i * 3, i * 3 + 3));
  return { width: W, height: H, data };
}
