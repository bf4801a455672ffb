/**
 * A seeded synthetic referring dataset: small square images with 1–4 coloured shapes on a noisy dark
 * background with grey clutter lines, the exact pixels of every object, and from them
 *
 *   - training *descriptions* (what the default model learns from; never regions): single-object
 *     questions (colour / shape / what / two-choice) and multi-object ones (list left to right, count);
 *   - referring questions in the official ControlMLLM ROC form (synthetic-refer.ts).
 *
 * Everything is a pure function of the seed (src/tensor/random.ts Rng), so a split is reproduced by its
 * seed alone. Objects in one image have distinct colours, so "the red one" is unambiguous.
 */
import type { RgbImage } from '../io/image.js';
import { Rng } from '../tensor/random.js';

// Module-scope aliases: a global lookup per sample is slow where the code runs in a vm context (jest).
const { abs, cos, floor, hypot, max, min, round, sin } = Math;

export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'white'] as const;
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Colour = (typeof COLOURS)[number];
export type Shape = (typeof SHAPES)[number];

export const RGB: Record<Colour, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 190, 60],
  blue: [50, 90, 235],
  yellow: [235, 215, 40],
  purple: [160, 60, 210],
  white: [235, 235, 235],
};

export const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five'] as const;

export interface SceneOptions {
  /** Image side in pixels (default 48). */
  size?: number;
  /** Object radius range in pixels (default [6, 10]). */
  radius?: [number, number];
  /** Number of objects, inclusive range (default [2, 4]). */
  objects?: [number, number];
  /** Visual-token grid side; every object's visible pixels must cover at least one cell centre (default size/8). */
  grid?: number;
  /** Every object has this shape (default: each drawn at random). */
  shape?: Shape;
  /** The first object's radius range, where it differs from the others' (a main object: the largest). */
  mainRadius?: [number, number];
}

export interface SceneObject {
  colour: Colour;
  shape: Shape;
  cx: number;
  cy: number;
  r: number;
  /** Visible (topmost) pixels, W·H, 1 = this object. */
  mask: Uint8Array;
  /** Tight box of the visible pixels, COCO [x, y, w, h] (x + w exclusive). */
  box: [number, number, number, number];
  area: number;
}

export interface Scene {
  image: RgbImage;
  objects: SceneObject[];
}

/** The class name of an object, e.g. "red circle". */
export const className = (o: { colour: Colour; shape: Shape }) => `${o.colour} ${o.shape}`;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Whether the pixel centre (x+½, y+½) lies in the shape. */
export function insideShape(shape: Shape, cx: number, cy: number, r: number, x: number, y: number): boolean {
  const [dx, dy] = [x + 0.5 - cx, y + 0.5 - cy];
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return abs(dx) <= 0.85 * r && abs(dy) <= 0.85 * r;
  // Upward triangle: apex (0, −r), base at +0.8r, half-width 1.05r at the base.
  if (dy < -r || dy > 0.8 * r) return false;
  return abs(dx) <= (1.05 * r * (dy + r)) / (1.8 * r);
}

/** One scene; retries placement until every object is visible enough. */
export function makeScene(rng: Rng, opts: SceneOptions = {}): Scene {
  const S = opts.size ?? 48;
  const [rMin, rMax] = opts.radius ?? [6, 10];
  const [nMin, nMax] = opts.objects ?? [2, 4];
  const grid = opts.grid ?? round(S / 8);
  for (;;) {
    const n = nMin + rng.int(nMax - nMin + 1);
    const colours = shuffle(rng, [...COLOURS]).slice(0, n);
    const specs: Array<{ colour: Colour; shape: Shape; cx: number; cy: number; r: number }> = [];
    let ok = true;
    for (const colour of colours) {
      let placed = false;
      const [lo, hi] = specs.length === 0 && opts.mainRadius ? opts.mainRadius : [rMin, rMax];
      for (let tries = 0; tries < 50 && !placed; tries++) {
        const r = lo + rng.uniform() * (hi - lo);
        const cx = r + rng.uniform() * (S - 2 * r);
        const cy = r + rng.uniform() * (S - 2 * r);
        // Some overlap is allowed, but centres stay apart (and apart in x, so "left to right" is clear).
        const clash = specs.some((o) => hypot(o.cx - cx, o.cy - cy) < 0.8 * (o.r + r) || abs(o.cx - cx) < 3);
        if (!clash) {
          specs.push({ colour, shape: opts.shape ?? pick(rng, SHAPES), cx, cy, r });
          placed = true;
        }
      }
      ok &&= placed;
    }
    if (!ok) continue;
    const scene = render(rng, S, specs);
    const cell = S / grid;
    const hitsCell = (o: SceneObject) => {
      for (let gy = 0; gy < grid; gy++) {
        for (let gx = 0; gx < grid; gx++) if (o.mask[floor((gy + 0.5) * cell) * S + floor((gx + 0.5) * cell)]) return true;
      }
      return false;
    };
    const full = (o: (typeof specs)[number]) => Math.PI * o.r * o.r * (o.shape === 'circle' ? 1 : o.shape === 'square' ? 0.92 : 0.6);
    if (scene.objects.every((o, i) => o.area >= 0.6 * full(specs[i]) && o.area >= 25 && hitsCell(o))) return scene;
  }
}

/** Paints background noise, clutter lines and the objects in order (later ones on top). */
function render(rng: Rng, S: number, specs: Array<{ colour: Colour; shape: Shape; cx: number; cy: number; r: number }>): Scene {
  const data = new Uint8Array(S * S * 3);
  const bg = 25 + rng.int(35);
  for (let i = 0; i < S * S; i++) {
    const v = bg + rng.int(13) - 6;
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = v;
  }
  const lines = rng.int(4);
  for (let l = 0; l < lines; l++) {
    const grey = 80 + rng.int(60);
    let [x, y] = [rng.uniform() * S, rng.uniform() * S];
    const angle = rng.uniform() * Math.PI * 2;
    const len = 6 + rng.int(12);
    for (let s = 0; s < len; s++, x += cos(angle), y += sin(angle)) {
      const [px, py] = [floor(x), floor(y)];
      if (px >= 0 && py >= 0 && px < S && py < S) data.fill(grey, (py * S + px) * 3, (py * S + px) * 3 + 3);
    }
  }
  const owner = new Int8Array(S * S).fill(-1);
  specs.forEach((o, k) => {
    const rgb = RGB[o.colour].map((c) => max(0, min(255, c + rng.int(31) - 15)));
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        if (!insideShape(o.shape, o.cx, o.cy, o.r, x, y)) continue;
        owner[y * S + x] = k;
        data.set(rgb, (y * S + x) * 3);
      }
    }
  });
  const objects = specs.map((o, k) => {
    const mask = new Uint8Array(S * S);
    let [x0, y0, x1, y1, area] = [S, S, -1, -1, 0];
    for (let i = 0; i < S * S; i++) {
      if (owner[i] !== k) continue;
      mask[i] = 1;
      area++;
      const [x, y] = [i % S, floor(i / S)];
      [x0, y0, x1, y1] = [min(x0, x), min(y0, y), max(x1, x), max(y1, y)];
    }
    const box: [number, number, number, number] = area ? [x0, y0, x1 - x0 + 1, y1 - y0 + 1] : [0, 0, 0, 0];
    return { ...o, mask, box, area };
  });
  return { image: { width: S, height: S, data }, objects };
}

// ---------------------------------------------------------------------------------------------------
// Training descriptions (no regions)

export interface QA {
  question: string;
  answer: string;
}

/** Objects sorted left to right by centre. */
export const leftToRight = (objs: readonly SceneObject[]) => [...objs].sort((a, b) => a.cx - b.cx);

/**
 * A wrong option for a two-choice question: any class of another colour; with `hard`, half the time
 * another colour of the same shape or the same colour in another shape (answering needs both attributes).
 */
export function otherClass(rng: Rng, o: { colour: Colour; shape: Shape }, hard = false): { colour: Colour; shape: Shape } {
  if (hard) {
    const kind = rng.int(4);
    if (kind === 0) return { colour: pick(rng, COLOURS.filter((c) => c !== o.colour)), shape: o.shape };
    if (kind === 1) return { colour: o.colour, shape: pick(rng, SHAPES.filter((s) => s !== o.shape)) };
  }
  for (;;) {
    const c = { colour: pick(rng, COLOURS), shape: pick(rng, SHAPES) };
    if (c.colour !== o.colour) return c;
  }
}

/**
 * A question about "the object": the single object of a one-object scene, or the main (largest) object
 * of a scene with `others` in it, whose two-choice wrong option is then one of those others half the time.
 */
export function singleObjectQA(rng: Rng, o: SceneObject, hardNegatives = false, others: readonly SceneObject[] = []): QA {
  const kind = rng.int(5);
  if (kind === 0) return { question: `What ${rng.int(2) ? 'colour' : 'color'} is the object?`, answer: o.colour };
  if (kind === 1) return { question: 'What shape is the object?', answer: o.shape };
  if (kind === 2) return { question: 'What is the object?', answer: className(o) };
  const other = className(others.length && rng.int(2) ? pick(rng, others) : otherClass(rng, o, hardNegatives));
  const [a, b] = rng.int(2) ? [className(o), other] : [other, className(o)];
  return { question: `Is the object a ${a} or a ${b}?`, answer: className(o) };
}

/**
 * A question about the objects of a multi-object scene: the count, the colours or classes left to
 * right, or one object named by an attribute no other object has ("What shape is the red object?",
 * "What colour is the circle?"): descriptions that make the decoder read one object's tokens.
 * Without `listing` only the named questions are asked (no count, no left-to-right list).
 */
export function multiObjectQA(rng: Rng, objs: readonly SceneObject[], named = false, listing = true): QA {
  const kind = listing ? rng.int(named ? 5 : 3) : 3 + rng.int(2);
  if (kind === 0) return { question: 'How many objects are there?', answer: NUMBER_WORDS[objs.length] };
  if (kind === 1) return { question: 'What colours are the objects from left to right?', answer: leftToRight(objs).map((o) => o.colour).join(', ') };
  if (kind === 2) return { question: 'What objects are there from left to right?', answer: leftToRight(objs).map(className).join(', ') };
  const o = pick(rng, objs);
  const uniqueShape = objs.every((x) => x === o || x.shape !== o.shape);
  if (kind === 3 && uniqueShape) return { question: `What ${rng.int(2) ? 'colour' : 'color'} is the ${o.shape}?`, answer: o.colour };
  return { question: `What shape is the ${o.colour} object?`, answer: o.shape };
}

export interface TrainSample {
  image: RgbImage;
  /** The conversation: the first turn carries the image. */
  turns: QA[];
  /** The scene's objects in drawing order (a main object first), with their radii in pixels. */
  objects: Array<{ colour: Colour; shape: Shape; r: number }>;
}

export interface TrainSampleOptions extends SceneOptions {
  /** Share of one-object scenes (default 0.6). */
  singleShare?: number;
  /** Question–answer turns per image (default 3). */
  turns?: number;
  /** Multi-object scenes also ask about one object named by a unique attribute (default false). */
  named?: boolean;
  /** Two-choice wrong options that share an attribute half the time (default false). */
  hardNegatives?: boolean;
  /** Multi-object scenes are asked to count and list their objects (default true; false needs named). */
  listing?: boolean;
  /**
   * Share of multi-object scenes whose objects all have one shape (default 0). Such a scene is also asked
   * "What shape is the object?", which every object answers alike: a description, not a region, that
   * makes the decoder read shape from whichever object tokens it attends to.
   */
  sameShapeShare?: number;
  /**
   * Share of multi-object scenes with a main object (default 0): one object clearly larger than the others
   * (radius from the top of the range and above, theirs from the bottom and below), about which the
   * one-object questions are also asked. "The object" of a scene is its main subject, as in a caption, so
   * the answer has to be read from the tokens the decoder attends to.
   */
  mainObjectShare?: number;
}

/** One training conversation about a fresh scene (1 object with probability singleShare, else 2–4). */
export function trainSample(rng: Rng, opts: TrainSampleOptions = {}): TrainSample {
  const single = rng.uniform() < (opts.singleShare ?? 0.6);
  // drawn only when asked for, so that the other recipes' data stay what they were
  const same = !single && (opts.sameShapeShare ?? 0) > 0 && rng.uniform() < opts.sameShapeShare! ? pick(rng, SHAPES) : undefined;
  const main = !single && !same && (opts.mainObjectShare ?? 0) > 0 && rng.uniform() < opts.mainObjectShare!;
  const [rMin, rMax] = opts.radius ?? [6, 10];
  // offsets in units of a sixth of the radius range: 1 px for the 64 px recipes' 10–16, so they scale with the image
  const u = (rMax - rMin) / 6;
  const radii: SceneOptions = main ? { mainRadius: [rMax - u, rMax + 3 * u], radius: [rMin - 2 * u, rMin + 2 * u] } : {};
  const scene = makeScene(rng, { ...opts, ...radii, objects: single ? [1, 1] : [2, opts.objects?.[1] ?? 4], shape: same });
  const ask = (): QA => {
    if (single) return singleObjectQA(rng, scene.objects[0], opts.hardNegatives);
    if (same && rng.int(2) === 0) return { question: 'What shape is the object?', answer: same };
    if (main && rng.int(2) === 0) return singleObjectQA(rng, scene.objects[0], opts.hardNegatives, scene.objects.slice(1));
    return multiObjectQA(rng, scene.objects, opts.named, opts.listing);
  };
  const turns: QA[] = [];
  const seen = new Set<string>();
  for (let t = 0; t < (opts.turns ?? 3); t++) {
    let qa = ask();
    for (let tries = 0; seen.has(qa.question) && tries < 5; tries++) qa = ask();
    seen.add(qa.question);
    turns.push(qa);
  }
  return { image: scene.image, turns, objects: scene.objects.map(({ colour, shape, r }) => ({ colour, shape, r })) };
}
