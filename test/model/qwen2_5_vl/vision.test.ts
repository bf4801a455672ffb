/** The Qwen2.5-VL vision tower against every intermediate of tiny-qwen25vl (HF transformers ~4.50, float32). */
import { loadQwen25VL } from '../../../src/model/qwen2_5_vl/load-node.js';
import { patchPositions, windowLayout, inversePermutation } from '../../../src/model/qwen2_5_vl/vision-windows.js';
import { gather, noGrad } from '../../../src/tensor/index.js';
import { qcompare, qints, qtensor, qwenDir } from './qwen-fixture.js';

const TOL = 1e-4;
const grid = qints('image_grid_thw') as unknown as [number, number, number];

describe('Qwen2.5-VL vision tower vs HF transformers', () => {
  const model = loadQwen25VL(qwenDir);
  const px = qtensor('pixel_values');
  const out = noGrad(() => model.encodeImage(px, [grid], { outputBlocks: true }));

  it('image_grid_thw is [1, 8, 12]', () => expect(grid).toEqual([1, 8, 12]));
  it('window index and cumulative window / full lengths', () => {
    expect(out.layout.windowIndex).toEqual(qints('vision_window_index'));
    expect(out.layout.cuWindowSeqlens).toEqual(qints('vision_cu_window_seqlens'));
    expect(out.layout.cuSeqlens).toEqual(qints('vision_cu_seqlens'));
  });
  it('patch embedding (Conv3d as a matmul)', () => expect(qcompare(out.patchEmbeds, 'vision_patch_embed')).toBeLessThan(TOL));
  it('2-D rotary position embedding', () => expect(qcompare(model.visual.rotaryPosEmb([grid], px), 'vision_rotary_pos_emb')).toBeLessThan(1e-6));
  it.each([0, 1, 2, 3])('vision_blocks.%i (window order) and in processor order', (i) => {
    expect(qcompare(out.blocks![i], `vision_blocks.${i}`)).toBeLessThan(TOL);
    const inv = inversePermutation(out.layout.windowIndex);
    const back = gather(out.blocks![i].reshape([24, 4 * 32]), inv).reshape([96, 32]);
    expect(qcompare(back, `vision_blocks_processor_order.${i}`)).toBeLessThan(TOL);
  });
  it('merger output (window order) and image_embeds (merged-grid order)', () => {
    expect(qcompare(out.mergerOutWindowOrder!, 'vision_merger_out_window_order')).toBeLessThan(TOL);
    expect(qcompare(out.imageEmbeds, 'image_embeds')).toBeLessThan(TOL);
  });
  it('rejects pixel_values that do not match the grid, naming both', () => {
    expect(() => model.encodeImage(px, [[1, 8, 8]])).toThrow(/pixel_values \[96, 1176\] do not match image_grid_thw \[\[1,8,8\]\] \(expected \[64, 1176\]\)/);
    expect(() => model.encodeImage(px, [[1, 3, 32]])).toThrow(/image_grid_thw \[1, 3, 32\]: expected positive integers with h and w multiples of spatial_merge_size 2/);
  });
});

describe('window bookkeeping', () => {
  it('a grid that does not divide into windows: partial windows at the bottom/right', () => {
    // 6×10 patches → 3×5 merged tokens, windows of 2×2 merged: rows {0,1},{2}, cols {0,1},{2,3},{4}
    const l = windowLayout([[1, 6, 10]], { windowSize: 56, patchSize: 14, spatialMergeSize: 2 });
    expect(l.windowIndex).toEqual([0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14]);
    expect(l.cuWindowSeqlens).toEqual([0, 16, 32, 40, 48, 56, 60]);
    expect(l.cuSeqlens).toEqual([0, 60]);
  });
  it('two frames and two images: offsets and one full-attention span per frame', () => {
    const l = windowLayout([[2, 4, 4], [1, 2, 2]], { windowSize: 56, patchSize: 14, spatialMergeSize: 2 });
    expect(l.windowIndex).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(l.cuWindowSeqlens).toEqual([0, 16, 32, 36]);
    expect(l.cuSeqlens).toEqual([0, 16, 32, 36]);
    expect(patchPositions([[1, 2, 4]], 2)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [0, 2], [0, 3], [1, 2], [1, 3]]);
  });
});
