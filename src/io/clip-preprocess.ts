/**
 * Image → `pixel_values`, as transformers' `CLIPImageProcessor.preprocess` does it for LLaVA-1.5
 * (models/clip/image_processing_clip.py and image_transforms.py at the commit in SPEC-llava.md §7):
 *
 *   [expand2square with the mean colour, original LLaVA "pad" mode only]
 *   → resize (shortest edge, Pillow BICUBIC on uint8) → centre crop (uint8)
 *   → rescale `f32(u · rescale_factor)` → normalise `f32((v − f32 mean) / f32 std)` → CHW.
 *
 * The uint8 stages are bit-exact with Pillow/NumPy; the float stages follow NumPy's float32 order.
 */
import { assertRgbImage, type RgbImage } from './rgb-image.js';
import { cropWithFill, expandToSquare, squarePadOffsets, type Rgb } from './image-ops.js';
import { resizeBicubic } from './image-resample.js';
import type { ClipProcessorConfig } from './clip-preprocess-config.js';
import type { PreprocessGeometry } from './clip-preprocess-geometry.js';

export { parseClipProcessorConfig, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, type ClipProcessorConfig, type ResizeSpec } from './clip-preprocess-config.js';
export {
  originalToProcessed,
  processedToOriginal,
  visibleOriginalRect,
  imageRectInProcessed,
  type PreprocessGeometry,
  type Point,
  type Rect,
} from './clip-preprocess-geometry.js';

export interface PreprocessOptions {
  /** Original LLaVA `image_aspect_ratio="pad"`: expand2square with the mean colour first (default false = HF). */
  padToSquare?: boolean;
  /** Names the image in errors (a file path). */
  source?: string;
}

/** Largest intermediate image (padded square, resized) accepted, checked before it is allocated. */
export const MAX_PREPROCESS_PIXELS = 50_000_000;

/** "IMG: preprocess: …" when the image has a name. */
const failure = (opts: PreprocessOptions, detail: string) => new Error(`${opts.source ? `${opts.source}: ` : ''}preprocess: ${detail}`);

function checkIntermediate(what: string, w: number, h: number, opts: PreprocessOptions): void {
  if (w * h <= MAX_PREPROCESS_PIXELS) return;
  throw failure(opts, `${what} would be ${w}×${h} = ${w * h} pixels, over the limit of ${MAX_PREPROCESS_PIXELS} (an extreme aspect ratio or preprocessor size); crop the image first`);
}

export interface PreprocessResult {
  /** [3, S, S] channel-first float32, ready to be the [1, 3, S, S] `pixel_values`. */
  pixelValues: Float32Array;
  size: number;
  /** S×S×3 uint8 after pad / resize / crop, before rescale and normalise. */
  resizedU8: Uint8Array;
  geometry: PreprocessGeometry;
}

/** `tuple(int(x * 255) for x in image_processor.image_mean)`, the expand2square background. */
export function padBackground(cfg: ClipProcessorConfig): Rgb {
  const [r, g, b] = cfg.imageMean.map((m) => Math.trunc(m * 255));
  return [r, g, b];
}

/**
 * `get_resize_output_image_size(image, size, default_to_square=False)` → [height, width]:
 * the short side becomes `shortest_edge`, the long side `int(shortest_edge * long / short)`.
 */
export function resizeOutputSize(width: number, height: number, cfg: ClipProcessorConfig): [number, number] {
  const s = cfg.size;
  if (!('shortestEdge' in s)) return [s.height, s.width];
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newShort = s.shortestEdge;
  const newLong = Math.trunc((newShort * long) / short);
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

/**
 * transformers `center_crop`: `top = (H − crop_h) // 2`, `left = (W − crop_w) // 2`; if the window
 * does not fit, the image is first zero-padded to at least the crop size with `(new − old) // 2`
 * before it, and the window clipped to that canvas. Returns the window's top-left in image coordinates
 * and the size HF would produce (one short of the crop for an odd shortfall: an HF quirk we refuse).
 */
function hfCenterCropWindow(length: number, crop: number): { offset: number; kept: number } {
  const start = Math.floor((length - crop) / 2);
  if (start >= 0 && start + crop <= length) return { offset: start, kept: crop };
  const padded = Math.max(crop, length);
  const pad = Math.floor((padded - length) / 2);
  const lo = Math.max(0, start + pad);
  const hi = Math.min(padded, start + pad + crop);
  return { offset: lo - pad, kept: hi - lo };
}

/**
 * Where `preprocess` would put a width×height image, without touching pixels: the pad, resize and
 * crop sizes and offsets, checked the same way (for heatmaps, regions and tests that need no pixels).
 */
export function preprocessGeometry(width: number, height: number, cfg: ClipProcessorConfig, opts: PreprocessOptions = {}): PreprocessGeometry {
  const g: PreprocessGeometry = {
    originalWidth: width,
    originalHeight: height,
    padLeft: 0,
    padTop: 0,
    paddedWidth: width,
    paddedHeight: height,
    resizedWidth: width,
    resizedHeight: height,
    cropLeft: 0,
    cropTop: 0,
    size: 0,
  };
  let [w, h] = [width, height];
  if (opts.padToSquare) {
    const pad = squarePadOffsets(width, height);
    checkIntermediate(`the ${width}×${height} image padded to a square`, pad.side, pad.side, opts);
    Object.assign(g, { padLeft: pad.left, padTop: pad.top, paddedWidth: pad.side, paddedHeight: pad.side });
    w = h = pad.side;
  }
  if (cfg.doResize) {
    const [rw, rh] = [w, h];
    [h, w] = resizeOutputSize(w, h, cfg);
    const to = 'shortestEdge' in cfg.size ? `shortest edge ${cfg.size.shortestEdge}` : `${cfg.size.width}×${cfg.size.height}`;
    checkIntermediate(`the ${rw}×${rh} image resized to ${to}`, w, h, opts);
  }
  g.resizedWidth = w;
  g.resizedHeight = h;
  if (cfg.doCenterCrop) {
    const { height: ch, width: cw } = cfg.cropSize;
    const wy = hfCenterCropWindow(h, ch);
    const wx = hfCenterCropWindow(w, cw);
    if (wy.kept !== ch || wx.kept !== cw) {
      throw failure(opts, `centre crop ${cw}×${ch} of a ${w}×${h} image would give ${wx.kept}×${wy.kept} in transformers (odd zero-padding); resize to at least the crop size first`);
    }
    g.cropLeft = wx.offset;
    g.cropTop = wy.offset;
    [w, h] = [cw, ch];
  }
  if (w !== h) throw failure(opts, `the processed image is ${w}×${h}; the vision tower needs a square input`);
  g.size = w;
  return g;
}

/** Runs the processor on one RGB image (the geometry first, so a bad size fails before any resampling). */
export function preprocess(img: RgbImage, cfg: ClipProcessorConfig, opts: PreprocessOptions = {}): PreprocessResult {
  assertRgbImage(img, 'preprocess');
  const geometry = preprocessGeometry(img.width, img.height, cfg, opts);
  let cur = img;
  if (opts.padToSquare) cur = expandToSquare(cur, padBackground(cfg));
  if (cfg.doResize) cur = resizeBicubic(cur, geometry.resizedWidth, geometry.resizedHeight);
  if (cfg.doCenterCrop) cur = cropWithFill(cur, geometry.cropLeft, geometry.cropTop, cfg.cropSize.width, cfg.cropSize.height);
  return { pixelValues: normalizeChw(cur, cfg), size: geometry.size, resizedU8: cur.data, geometry };
}

// Module-scope alias: a global lookup per pixel is slow where the code runs in a vm context (jest).
const fround = Math.fround;

/** `rescale` then `normalize` in NumPy float32 order, HWC uint8 → CHW float32. */
export function normalizeChw(img: RgbImage, cfg: ClipProcessorConfig): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const mean = fround(cfg.imageMean[c]);
    const std = fround(cfg.imageStd[c]);
    for (let i = 0; i < n; i++) {
      const u = img.data[i * 3 + c];
      let v = cfg.doRescale ? fround(u * cfg.rescaleFactor) : u;
      if (cfg.doNormalize) v = fround(fround(v - mean) / std);
      out[c * n + i] = v;
    }
  }
  return out;
}
