/** Whole-pixel geometry on RGB images: cropping with a fill colour, and LLaVA's `expand2square`. */
import type { RgbImage } from './image.js';

export type Rgb = readonly [number, number, number];

/**
 * The `width`×`height` window whose top-left corner sits at (`left`, `top`) in `img` (either may be
 * negative or run past the edge); pixels outside the source get `fill`.
 */
export function cropWithFill(img: RgbImage, left: number, top: number, width: number, height: number, fill: Rgb = [0, 0, 0]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(fill, i * 3);
  const x0 = Math.max(0, left);
  const x1 = Math.min(img.width, left + width);
  const y0 = Math.max(0, top);
  const y1 = Math.min(img.height, top + height);
  if (x1 > x0) {
    for (let y = y0; y < y1; y++) {
      const src = (y * img.width + x0) * 3;
      data.set(img.data.subarray(src, src + (x1 - x0) * 3), ((y - top) * width + (x0 - left)) * 3);
    }
  }
  return { width, height, data };
}

/** Where `expand2square` puts the image: offsets inside a side×side canvas. */
export function squarePadOffsets(width: number, height: number): { side: number; left: number; top: number } {
  if (width >= height) return { side: width, left: 0, top: Math.floor((width - height) / 2) };
  return { side: height, left: Math.floor((height - width) / 2), top: 0 };
}

/**
 * Original LLaVA `expand2square(pil_img, background_color)` (haotian-liu/LLaVA llava/mm_utils.py):
 * square canvas of the longer side filled with the background, image pasted centred with `//`
 * offsets; a square image is returned unchanged.
 */
export function expandToSquare(img: RgbImage, background: Rgb): RgbImage {
  if (img.width === img.height) return img;
  const { side, left, top } = squarePadOffsets(img.width, img.height);
  return cropWithFill(img, -left, -top, side, side, background);
}
