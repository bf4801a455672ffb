/**
 * Browser image decoding: a Blob (an upload, or a fetched sample) → RgbImage through createImageBitmap
 * and a canvas, with colour-space conversion and premultiplication off so the bytes of an opaque PNG
 * are exactly what the Node decoder (pngjs) gives. Alpha is dropped, as Pillow's convert('RGB') does.
 */
import type { RgbImage } from '../../src/index.js';

export async function decodeToRgb(blob: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas context');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

/** Draws an RgbImage into `canvas` at its own size (CSS decides the displayed size). */
export function drawRgb(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(img.width, img.height);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    out.data[i] = img.data[j];
    out.data[i + 1] = img.data[j + 1];
    out.data[i + 2] = img.data[j + 2];
    out.data[i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}
