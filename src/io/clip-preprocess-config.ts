/**
 * `CLIPImageProcessor` settings read from a checkpoint's preprocessor_config.json.
 *
 * Mirrors transformers' `CLIPImageProcessor.__init__` (models/clip/image_processing_clip.py) and
 * `get_size_dict` (image_processing_utils.py): missing keys take the class defaults (shortest edge 224,
 * crop 224, BICUBIC, 1/255, OpenAI CLIP mean/std); an integer `size` means `{shortest_edge: n}` and an
 * integer `crop_size` means a square crop. Only what this engine implements is accepted: resample 3
 * (Pillow BICUBIC) and three-channel mean/std; anything else is refused with the key and value.
 */
import { showJson } from './json-show.js';

export type ResizeSpec = { shortestEdge: number } | { height: number; width: number };

export interface ClipProcessorConfig {
  doConvertRgb: boolean;
  doResize: boolean;
  size: ResizeSpec;
  /** PIL resample filter id; only 3 (BICUBIC) is supported. */
  resample: 3;
  doCenterCrop: boolean;
  cropSize: { height: number; width: number };
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

/** `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD` (transformers utils/constants.py). */
export const OPENAI_CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Largest resize / crop side accepted (CLIP-style processors use 224..1024). */
export const MAX_SIDE = 8192;

const RESAMPLE_NAMES: Record<number, string> = { 0: 'NEAREST', 1: 'LANCZOS', 2: 'BILINEAR', 3: 'BICUBIC', 4: 'BOX', 5: 'HAMMING' };

/** Parses the JSON object of a preprocessor_config.json; `source` names it in errors. */
export function parseClipProcessorConfig(json: unknown, source = 'preprocessor_config.json'): ClipProcessorConfig {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object');
  const o = json as Record<string, unknown>;

  const type = o.image_processor_type;
  if (type !== undefined && type !== 'CLIPImageProcessor') {
    fail(`image_processor_type ${showJson(type)} is not supported (only CLIPImageProcessor)`);
  }
  const bool = (key: string, dflt: boolean): boolean => {
    const v = o[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') fail(`${key} must be true or false, got ${showJson(v)}`);
    return v as boolean;
  };
  const positiveInt = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_SIDE) {
      fail(`${key} must be an integer in [1, ${MAX_SIDE}], got ${showJson(v)}`);
    }
    return v as number;
  };
  const triple = (key: string, dflt: [number, number, number], positive: boolean): [number, number, number] => {
    const v = o[key];
    if (v === undefined || v === null) return dflt;
    const ok = Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
    if (!ok) fail(`${key} must be 3 finite numbers${positive ? ' > 0' : ''} (one per RGB channel), got ${showJson(v)}`);
    return [...(v as number[])] as [number, number, number];
  };

  const size = parseSize(o.size, positiveInt, fail);
  const cropSize = parseCropSize(o.crop_size, positiveInt, fail);

  const resample = o.resample ?? 3;
  if (resample !== 3) {
    const name = typeof resample === 'number' ? RESAMPLE_NAMES[resample] : undefined;
    fail(`resample ${showJson(resample)}${name ? ` (${name})` : ''} is not supported; only 3 (BICUBIC) is implemented`);
  }
  const rescaleFactor = o.rescale_factor ?? 1 / 255;
  if (typeof rescaleFactor !== 'number' || !Number.isFinite(rescaleFactor) || rescaleFactor <= 0) {
    fail(`rescale_factor must be a positive number, got ${showJson(rescaleFactor)}`);
  }
  return {
    doConvertRgb: bool('do_convert_rgb', true),
    doResize: bool('do_resize', true),
    size,
    resample: 3,
    doCenterCrop: bool('do_center_crop', true),
    cropSize,
    doRescale: bool('do_rescale', true),
    rescaleFactor: rescaleFactor as number,
    doNormalize: bool('do_normalize', true),
    imageMean: triple('image_mean', OPENAI_CLIP_MEAN, false),
    imageStd: triple('image_std', OPENAI_CLIP_STD, true),
  };
}

type IntCheck = (key: string, v: unknown) => number;

/** `get_size_dict(size, default_to_square=False)`: int → shortest edge; dict with shortest_edge or height+width. */
function parseSize(v: unknown, positiveInt: IntCheck, fail: (m: string) => never): ResizeSpec {
  if (v === undefined || v === null) return { shortestEdge: 224 };
  if (typeof v === 'number') return { shortestEdge: positiveInt('size', v) };
  if (typeof v === 'object' && !Array.isArray(v)) {
    const s = v as Record<string, unknown>;
    if (s.longest_edge !== undefined) fail(`size.longest_edge is not supported (got ${showJson(v)})`);
    if (s.shortest_edge !== undefined) return { shortestEdge: positiveInt('size.shortest_edge', s.shortest_edge) };
    if (s.height !== undefined && s.width !== undefined) {
      return { height: positiveInt('size.height', s.height), width: positiveInt('size.width', s.width) };
    }
  }
  return fail(`size must be {"shortest_edge": n} or {"height": h, "width": w}, got ${showJson(v)}`);
}

/** `get_size_dict(crop_size, default_to_square=True)`: int → square; dict with height+width. */
function parseCropSize(v: unknown, positiveInt: IntCheck, fail: (m: string) => never): { height: number; width: number } {
  if (v === undefined || v === null) return { height: 224, width: 224 };
  if (typeof v === 'number') {
    const n = positiveInt('crop_size', v);
    return { height: n, width: n };
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const s = v as Record<string, unknown>;
    if (s.height !== undefined && s.width !== undefined) {
      return { height: positiveInt('crop_size.height', s.height), width: positiveInt('crop_size.width', s.width) };
    }
  }
  return fail(`crop_size must be {"height": h, "width": w} or an integer, got ${showJson(v)}`);
}
