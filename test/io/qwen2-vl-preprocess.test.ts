/** Qwen2VLImageProcessor against tiny-qwen25vl (transformers 4.49/4.50 + Pillow) and its sanity.json grids. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readImageFile } from '../../src/io/image-node.js';
import { parseQwenProcessorConfig, preprocessQwen, smartResize, withPixels } from '../../src/io/qwen2-vl-preprocess.js';
import { maxAbs, qints, qref, qwenDir } from '../model/qwen2_5_vl/qwen-fixture.js';

const cfgJson = JSON.parse(readFileSync(path.join(qwenDir, 'preprocessor_config.json'), 'utf8'));
const sanity = JSON.parse(readFileSync(path.join(qwenDir, 'sanity.json'), 'utf8'));

describe('Qwen2-VL image processor', () => {
  const cfg = parseQwenProcessorConfig(cfgJson);
  const img = readImageFile(path.join(qwenDir, 'image.png'));
  const r = preprocessQwen(img, cfg);

  it('reads the fixture preprocessor_config.json', () => {
    expect(cfg).toMatchObject({ minPixels: 16000, maxPixels: 50176, patchSize: 14, temporalPatchSize: 2, mergeSize: 2 });
  });
  it('decoded pixels, smart_resize + Pillow bicubic (exact)', () => {
    expect(Array.from(img.data)).toEqual(qints('image_rgb'));
    expect([r.resized.height, r.resized.width]).toEqual([112, 168]);
    expect(Array.from(r.resized.data)).toEqual(qints('resized_rgb'));
  });
  it('pixel_values within 1e-6 and image_grid_thw exact', () => {
    expect(r.gridThw).toEqual(qints('image_grid_thw'));
    expect(r.pixelValues.length).toBe(96 * 1176);
    expect(maxAbs(r.pixelValues, qref('pixel_values').data)).toBeLessThan(1e-6);
  });
  const cases: Array<[number, number, number, number, number[]]> = sanity.processor.map((p: Record<string, number & number[]>) => [p.w, p.h, p.min_pixels, p.max_pixels, p.processor_grid_thw]);
  it.each(cases)('smart_resize %i×%i (min %i, max %i) gives grid %j', (w, h, min, max, grid) => {
    const [rh, rw] = smartResize(h, w, 28, min, max);
    expect([1, rh / 14, rw / 14]).toEqual(grid);
  });
  it('rounds half to even as Python does, and refuses tiny or extreme images', () => {
    expect(smartResize(70, 70, 28, 0, 1e9)).toEqual([56, 56]); // 70/28 = 2.5 → 2
    expect(smartResize(98, 98, 28, 0, 1e9)).toEqual([112, 112]); // 3.5 → 4
    expect(() => smartResize(20, 100, 28, 0, 1e9)).toThrow(/100×20; both sides must be at least 28 px/);
    expect(() => smartResize(30, 6100, 28, 0, 1e9)).toThrow(/aspect ratio must be smaller than 200/);
  });
  it('--max-pixels trades tokens for speed; inconsistent limits are refused', () => {
    const small = preprocessQwen(img, withPixels(cfg, { minPixels: 3136, maxPixels: 28 * 28 * 4 }));
    expect(small.gridThw).toEqual([1, 2, 4]); // 28×56 px: 2×4 patches, 1×2 merged tokens
    expect(() => withPixels(cfg, { minPixels: 60000 })).toThrow(/min_pixels 60000 is larger than max_pixels 50176/);
    expect(() => parseQwenProcessorConfig({ ...cfgJson, resample: 2 })).toThrow(/resample 2 is not supported/);
    expect(() => parseQwenProcessorConfig({ ...cfgJson, image_processor_type: 'CLIPImageProcessor' })).toThrow(/not a Qwen2-VL image processor/);
  });
});
