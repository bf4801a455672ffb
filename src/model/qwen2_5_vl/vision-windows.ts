/**
 * The index bookkeeping of the Qwen2.5-VL vision tower, as plain integer arrays (no tensors).
 *
 * Mirrors: transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py `Qwen2_5_VisionTransformerPretrainedModel`
 * — `rot_pos_emb` (the per-patch (h, w) of the processor's merge-block row order), `get_window_index`
 * (merged tokens grouped by windows of window_size px, with the cumulative window lengths in patches,
 * `unique_consecutive` applied) and the full-attention `cu_seqlens` (one span per frame).
 *
 * Patch rows come from the image processor in merge-block order: for each frame t, merged row i, merged
 * column j, the 2×2 (sms×sms) patches in raster order. A "merged token" is one such block of sms² rows.
 */

/** One image or video in patches: t frames (temporal patches), h × w patches of patch_size px. */
export type GridThw = readonly [number, number, number];

export interface WindowLayout {
  /** Merged tokens in window order: window_index[k] = the processor-order merged token at position k. */
  windowIndex: number[];
  /** Window boundaries in patches after unique_consecutive: [0, …, N]. */
  cuWindowSeqlens: number[];
  /** Full-attention boundaries in patches: one span per frame, [0, h·w, 2·h·w, …]. */
  cuSeqlens: number[];
}

function checkGrid(g: GridThw, sms: number): void {
  const [t, h, w] = g;
  if (![t, h, w].every((x) => Number.isInteger(x) && x > 0) || h % sms !== 0 || w % sms !== 0) {
    throw new Error(`image_grid_thw [${g.join(', ')}]: expected positive integers with h and w multiples of spatial_merge_size ${sms}`);
  }
}

/** Per patch row (processor order) its [h, w] patch coordinates: `rot_pos_emb`'s pos_ids, [N][2]. */
export function patchPositions(grids: readonly GridThw[], sms: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const g of grids) {
    checkGrid(g, sms);
    const [t, h, w] = g;
    for (let f = 0; f < t; f++) {
      for (let i = 0; i < h / sms; i++) {
        for (let j = 0; j < w / sms; j++) {
          for (let di = 0; di < sms; di++) for (let dj = 0; dj < sms; dj++) out.push([i * sms + di, j * sms + dj]);
        }
      }
    }
  }
  return out;
}

/**
 * `get_window_index`: merged tokens grouped into windows of vmws × vmws merged tokens
 * (vmws = window_size / spatial_merge_size / patch_size), windows in raster order, raster order inside
 * a window; the grid is padded at the bottom/right to whole windows (HF pads a whole extra window when it
 * divides; those empty windows collapse in `unique_consecutive`).
 */
export function windowLayout(grids: readonly GridThw[], o: { windowSize: number; patchSize: number; spatialMergeSize: number }): WindowLayout {
  const sms = o.spatialMergeSize;
  const unit = sms * sms;
  const vmws = o.windowSize / sms / o.patchSize;
  if (!Number.isInteger(vmws) || vmws < 1) throw new Error(`window_size ${o.windowSize} is not a multiple of spatial_merge_size·patch_size ${sms * o.patchSize}`);
  const windowIndex: number[] = [];
  const cu = [0];
  const cuSeqlens = [0];
  let base = 0;
  for (const g of grids) {
    checkGrid(g, sms);
    const [t, h, w] = g;
    const [lh, lw] = [h / sms, w / sms];
    const nwh = (lh + vmws - (lh % vmws)) / vmws;
    const nww = (lw + vmws - (lw % vmws)) / vmws;
    for (let f = 0; f < t; f++) {
      for (let wy = 0; wy < nwh; wy++) {
        for (let wx = 0; wx < nww; wx++) {
          let count = 0;
          for (let y = wy * vmws; y < (wy + 1) * vmws; y++) {
            for (let x = wx * vmws; x < (wx + 1) * vmws; x++) {
              if (y < lh && x < lw) {
                windowIndex.push(base + f * lh * lw + y * lw + x);
                count++;
              }
            }
          }
          if (count > 0) cu.push(cu[cu.length - 1] + count * unit); // unique_consecutive drops the empty ones
        }
      }
      cuSeqlens.push(cuSeqlens[cuSeqlens.length - 1] + h * w);
    }
    base += t * lh * lw;
  }
  return { windowIndex, cuWindowSeqlens: cu, cuSeqlens };
}

/** `argsort(window_index)`: the inverse permutation (window order → processor order). */
export function inversePermutation(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}
