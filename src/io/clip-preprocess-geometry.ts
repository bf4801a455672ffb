/**
 * Where the pixels of the ORIGINAL image end up in the processed S×S square, so that a region drawn
 * on the original (a ControlMLLM box, mask or scribble) can be moved onto the model's input grid and
 * a heatmap on the grid can be drawn back over the original.
 *
 * Coordinates are continuous, in pixel units, with pixel i covering [i, i+1) (so pixel centres are at
 * i + 0.5). This is the convention of Pillow's resampling (`center = (xx + 0.5) * scale`), so the
 * composition below is exact for the centres Pillow samples:
 *
 *   original --(+pad, LLaVA expand2square)--> padded --(×resized/padded)--> resized --(−crop)--> processed
 */

export interface PreprocessGeometry {
  originalWidth: number;
  originalHeight: number;
  /** Offset of the original inside the expand2square canvas (0 when not padding). */
  padLeft: number;
  padTop: number;
  /** Canvas size before resizing (the original's size when not padding). */
  paddedWidth: number;
  paddedHeight: number;
  /** Size after the shortest-edge resize (the padded size when do_resize is off). */
  resizedWidth: number;
  resizedHeight: number;
  /** Position of the processed square's top-left corner in resized coordinates (centre-crop offset). */
  cropLeft: number;
  cropTop: number;
  /** Side S of the processed square. */
  size: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Original-image coordinates → processed-square coordinates (may fall outside [0, S) if cropped away). */
export function originalToProcessed(g: PreprocessGeometry, x: number, y: number): Point {
  return {
    x: ((x + g.padLeft) * g.resizedWidth) / g.paddedWidth - g.cropLeft,
    y: ((y + g.padTop) * g.resizedHeight) / g.paddedHeight - g.cropTop,
  };
}

/** Processed-square coordinates → original-image coordinates (the exact inverse of originalToProcessed). */
export function processedToOriginal(g: PreprocessGeometry, x: number, y: number): Point {
  return {
    x: ((x + g.cropLeft) * g.paddedWidth) / g.resizedWidth - g.padLeft,
    y: ((y + g.cropTop) * g.paddedHeight) / g.resizedHeight - g.padTop,
  };
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The part of the original that survives into the processed square (the whole image in pad mode). */
export function visibleOriginalRect(g: PreprocessGeometry): Rect {
  const a = processedToOriginal(g, 0, 0);
  const b = processedToOriginal(g, g.size, g.size);
  return {
    x0: Math.max(0, a.x),
    y0: Math.max(0, a.y),
    x1: Math.min(g.originalWidth, b.x),
    y1: Math.min(g.originalHeight, b.y),
  };
}

/** Where the original image lies inside the processed square (pad mode: a centred band; crop mode: all of it). */
export function imageRectInProcessed(g: PreprocessGeometry): Rect {
  const a = originalToProcessed(g, 0, 0);
  const b = originalToProcessed(g, g.originalWidth, g.originalHeight);
  return { x0: Math.max(0, a.x), y0: Math.max(0, a.y), x1: Math.min(g.size, b.x), y1: Math.min(g.size, b.y) };
}
