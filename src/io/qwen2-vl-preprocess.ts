/**
 * Image → `pixel_values` + `image_grid_thw`, as transformers' `Qwen2VLImageProcessor` (4.49/4.50,
 * models/qwen2_vl/image_processing_qwen2_vl.py) does it for Qwen2.5-VL:
 *
 *   smart_resize (multiples of patch·merge = 28, area within [min_pixels, max_pixels], aspect kept)
 *   → Pillow BICUBIC resize on uint8 (image-resample.ts, bit-exact) → rescale → normalise (NumPy float32
 *   order, as the CLIP path) → the frame repeated temporal_patch_size times → patches in merge-block row
 *   order (t, h/2, w/2, 2, 2), columns (channel, temporal, 14, 14).
 */
import { normalizeChw } from './clip-preprocess.js';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, type ClipProcessorConfig } from './clip-preprocess-config.js';
import { resizeBicubic } from './image-resample.js';
import { assertRgbImage, type RgbImage } from './rgb-image.js';

export interface QwenProcessorConfig {
  minPixels: number;
  maxPixels: number;
  patchSize: number;
  temporalPatchSize: number;
  mergeSize: number;
  doResize: boolean;
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

export interface QwenPreprocessResult {
  /** [N, 3·T_p·P·P] float32, N = grid t·h·w. */
  pixelValues: Float32Array;
  /** [t, h, w] in patches. */
  gridThw: [number, number, number];
  /** The resized uint8 image (before rescale and normalise). */
  resized: RgbImage;
  originalWidth: number;
  originalHeight: number;
}

/** Python's round(): to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `smart_resize(height, width, factor, min_pixels, max_pixels)` → [height, width]. */
export function smartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  if (height < factor || width < factor) throw new Error(`smart_resize: the image is ${width}×${height}; both sides must be at least ${factor} px`);
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new Error(`smart_resize: absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let hBar = roundHalfEven(height / factor) * factor;
  let wBar = roundHalfEven(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.floor(height / beta / factor) * factor;
    wBar = Math.floor(width / beta / factor) * factor;
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return [hBar, wBar];
}

/** Runs the processor on one RGB image. */
export function preprocessQwen(img: RgbImage, cfg: QwenProcessorConfig): QwenPreprocessResult {
  assertRgbImage(img, 'preprocess');
  const P = cfg.patchSize;
  const m = cfg.mergeSize;
  const [h, w] = cfg.doResize ? smartResize(img.height, img.width, P * m, cfg.minPixels, cfg.maxPixels) : [img.height, img.width];
  if (h % (P * m) !== 0 || w % (P * m) !== 0) throw new Error(`preprocess: a ${img.width}×${img.height} image without resizing is not a multiple of ${P * m} px`);
  const resized = h === img.height && w === img.width ? img : resizeBicubic(img, w, h);
  const norm: ClipProcessorConfig = { ...cfg, doConvertRgb: true, size: { height: h, width: w }, resample: 3, doCenterCrop: false, cropSize: { height: h, width: w } };
  const chw = normalizeChw(resized, norm); // [3, h, w]
  const [gh, gw] = [h / P, w / P];
  const Tp = cfg.temporalPatchSize;
  const cols = 3 * Tp * P * P;
  const out = new Float32Array(gh * gw * cols);
  let r = 0;
  for (let bh = 0; bh < gh / m; bh++) {
    for (let bw = 0; bw < gw / m; bw++) {
      for (let mh = 0; mh < m; mh++) {
        for (let mw = 0; mw < m; mw++, r++) {
          const [py0, px0] = [(bh * m + mh) * P, (bw * m + mw) * P];
          let k = r * cols;
          for (let c = 0; c < 3; c++) {
            for (let t = 0; t < Tp; t++) { // the single frame, repeated
              for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) out[k++] = chw[c * h * w + (py0 + y) * w + px0 + x];
            }
          }
        }
      }
    }
  }
  return { pixelValues: out, gridThw: [1, gh, gw], resized, originalWidth: img.width, originalHeight: img.height };
}

const positiveInt = (source: string, key: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${source}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
};

/** Parses a Qwen2VLImageProcessor preprocessor_config.json object (4.49/4.50 keys, HF defaults). */
export function parseQwenProcessorConfig(json: unknown, source = 'preprocessor_config.json'): QwenProcessorConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  const type = o.image_processor_type;
  if (type !== undefined && type !== 'Qwen2VLImageProcessor' && type !== 'Qwen2VLImageProcessorFast') {
    throw new Error(`${source}: image_processor_type ${JSON.stringify(type)} is not a Qwen2-VL image processor`);
  }
  if ((o.resample ?? 3) !== 3) throw new Error(`${source}: resample ${JSON.stringify(o.resample)} is not supported; only 3 (BICUBIC) is implemented`);
  const size = (o.size ?? {}) as Record<string, unknown>;
  const num = (key: string, v: unknown, dflt: number) => positiveInt(source, key, v ?? dflt);
  const bool = (key: string, dflt: boolean) => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'boolean') throw new Error(`${source}: ${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const triple = (key: string, dflt: [number, number, number]) => {
    const v = o[key] ?? dflt;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${source}: ${key} must be 3 numbers, got ${JSON.stringify(v)}`);
    return [...v] as [number, number, number];
  };
  const cfg: QwenProcessorConfig = {
    minPixels: num('min_pixels', o.min_pixels ?? size.shortest_edge, 56 * 56),
    maxPixels: num('max_pixels', o.max_pixels ?? size.longest_edge, 28 * 28 * 1280),
    patchSize: num('patch_size', o.patch_size, 14),
    temporalPatchSize: num('temporal_patch_size', o.temporal_patch_size, 2),
    mergeSize: num('merge_size', o.merge_size, 2),
    doResize: bool('do_resize', true),
    doRescale: bool('do_rescale', true),
    rescaleFactor: typeof o.rescale_factor === 'number' ? o.rescale_factor : 1 / 255,
    doNormalize: bool('do_normalize', true),
    imageMean: triple('image_mean', OPENAI_CLIP_MEAN),
    imageStd: triple('image_std', OPENAI_CLIP_STD),
  };
  return withPixels(cfg, {}, source);
}

/** The config with `min_pixels` / `max_pixels` overridden (the CLI's --min-pixels / --max-pixels), checked. */
export function withPixels(cfg: QwenProcessorConfig, o: { minPixels?: number; maxPixels?: number }, source = '--min-pixels/--max-pixels'): QwenProcessorConfig {
  const next = { ...cfg, minPixels: o.minPixels ?? cfg.minPixels, maxPixels: o.maxPixels ?? cfg.maxPixels };
  if (next.minPixels > next.maxPixels) throw new Error(`${source}: min_pixels ${next.minPixels} is larger than max_pixels ${next.maxPixels}`);
  const f = (next.patchSize * next.mergeSize) ** 2;
  if (next.maxPixels < f) throw new Error(`${source}: max_pixels ${next.maxPixels} is below one merged token (${f} px)`);
  return next;
}
