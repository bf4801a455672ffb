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

function checkIntermediate(what: string, w: number, h: number, opts: PreprocessOptions): void {
  if (w * h <= MAX_PREPROCESS_PIXELS) return;
  throw new Error(
    `${opts.source ? `${opts.source}: ` : ''}preprocess: ${what} would be ${w}×${h} = ${w * h} pixels, over the limit of ` +
      `${MAX_PREPROCESS_PIXELS} (an extreme aspect ratio or preprocessor size); crop the image first`,
  );
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

/** Runs the processor on one RGB image. */
export function preprocess(img: RgbImage, cfg: ClipProcessorConfig, opts: PreprocessOptions = {}): PreprocessResult {
  assertRgbImage(img, 'preprocess');
  const geometry: PreprocessGeometry = {
    originalWidth: img.width,
    originalHeight: img.height,
    padLeft: 0,
    padTop: 0,
    paddedWidth: img.width,
    paddedHeight: img.height,
    resizedWidth: img.width,
    resizedHeight: img.height,
    cropLeft: 0,
    cropTop: 0,
    size: 0,
  };
  let cur = img;
  if (opts.padToSquare) {
    const pad = squarePadOffsets(img.width, img.height);
    checkIntermediate(`the ${img.width}×${img.height} image padded to a square`, pad.side, pad.side, opts);
    Object.assign(geometry, { padLeft: pad.left, padTop: pad.top, paddedWidth: pad.side, paddedHeight: pad.side });
    cur = expandToSquare(cur, padBackground(cfg));
  }
  if (cfg.doResize) {
    const [h, w] = resizeOutputSize(cur.width, cur.height, cfg);
    const to = 'shortestEdge' in cfg.size ? `shortest edge ${cfg.size.shortestEdge}` : `${cfg.size.width}×${cfg.size.height}`;
    checkIntermediate(`the ${cur.width}×${cur.height} image resized to ${to}`, w, h, opts);
    cur = resizeBicubic(cur, w, h);
  }
  geometry.resizedWidth = cur.width;
  geometry.resizedHeight = cur.height;
  if (cfg.doCenterCrop) {
    const { height: ch, width: cw } = cfg.cropSize;
    const wy = hfCenterCropWindow(cur.height, ch);
    const wx = hfCenterCropWindow(cur.width, cw);
    if (wy.kept !== ch || wx.kept !== cw) {
      throw new Error(
        `preprocess: centre crop ${cw}×${ch} of a ${cur.width}×${cur.height} image would give ${wx.kept}×${wy.kept} ` +
          `in transformers (odd zero-padding); resize to at least the crop size first`,
      );
    }
    geometry.cropLeft = wx.offset;
    geometry.cropTop = wy.offset;
    cur = cropWithFill(cur, wx.offset, wy.offset, cw, ch);
  }
  if (cur.width !== cur.height) {
    throw new Error(`preprocess: the processed image is ${cur.width}×${cur.height}; the vision tower needs a square input`);
  }
  geometry.size = cur.width;
  return { pixelValues: normalizeChw(cur, cfg), size: cur.width, resizedU8: cur.data, geometry };
}

/** `rescale` then `normalize` in NumPy float32 order, HWC uint8 → CHW float32. */
export function normalizeChw(img: RgbImage, cfg: ClipProcessorConfig): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(cfg.imageMean[c]);
    const std = Math.fround(cfg.imageStd[c]);
    for (let i = 0; i < n; i++) {
      const u = img.data[i * 3 + c];
      let v = cfg.doRescale ? Math.fround(u * cfg.rescaleFactor) : u;
      if (cfg.doNormalize) v = Math.fround(Math.fround(v - mean) / std);
      out[c * n + i] = v;
    }
  }
  return out;
}
