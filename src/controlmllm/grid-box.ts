/**
 * A box in original-image pixels → a 0/1 mask over a merged token grid, as the official ControlMLLM++
 * Qwen2.5-VL code builds it (mrwu-mac/ControlMLLM controlmllm++/qwen2_5_vl/qwen_utils.py
 * `att_window_from_bbox` + `build_mask_from_bbox`): the original image is split into gridH × gridW equal
 * blocks (no crop: the processor resizes the whole image), columns floor(x1/bw)…ceil(x2/bw) and rows
 * floor(y1/bh)…ceil(y2/bh) (end exclusive, clipped to the grid) are set.
 */

export interface BoxWindow {
  xStart: number;
  yStart: number;
  xEnd: number;
  yEnd: number;
}

/** The grid window [yStart, yEnd) × [xStart, xEnd) of box [x1, y1, x2, y2] on an image of width × height. */
export function boxWindow(box: readonly number[], width: number, height: number, gridH: number, gridW: number): BoxWindow {
  if (box.length !== 4 || !box.every(Number.isFinite)) throw new Error(`box: expected 4 numbers x1,y1,x2,y2, got ${JSON.stringify(box)}`);
  const [x1, y1, x2, y2] = box;
  if (x2 <= x1 || y2 <= y1) throw new Error(`box [${box.join(', ')}]: x2 must exceed x1 and y2 must exceed y1`);
  const [bw, bh] = [width / gridW, height / gridH];
  const clip = (v: number, n: number) => Math.max(0, Math.min(v, n));
  const w = {
    xStart: clip(Math.floor(x1 / bw), gridW), yStart: clip(Math.floor(y1 / bh), gridH),
    xEnd: clip(Math.ceil(x2 / bw), gridW), yEnd: clip(Math.ceil(y2 / bh), gridH),
  };
  if (w.xEnd <= w.xStart || w.yEnd <= w.yStart) throw new Error(`box [${box.join(', ')}] lies outside the ${width}×${height} image`);
  return w;
}

/** Row-major [gridH · gridW] mask of the box window (index = row · gridW + col). */
export function boxMask(box: readonly number[], width: number, height: number, gridH: number, gridW: number): Float32Array {
  const w = boxWindow(box, width, height, gridH, gridW);
  const m = new Float32Array(gridH * gridW);
  for (let y = w.yStart; y < w.yEnd; y++) for (let x = w.xStart; x < w.xEnd; x++) m[y * gridW + x] = 1;
  return m;
}
