import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  imageRectInProcessed,
  originalToProcessed,
  padBackground,
  parseClipProcessorConfig,
  preprocess,
  preprocessGeometry,
  processedToOriginal,
  resizeOutputSize,
  visibleOriginalRect,
  type PreprocessGeometry,
} from '../../src/io/clip-preprocess.js';
import { bicubicFilter, precomputeCoeffs, resizeBicubic } from '../../src/io/image-resample.js';
import type { RgbImage } from '../../src/io/image.js';
import { readImageFile } from '../../src/io/image-node.js';
import { agreement, fixtureConfig, fixtureImages, fmtAgreement, goldenFile, goldenRgb, imagesJson, IMAGES_DIR } from './preprocess-fixtures.js';

const checkpointConfigPath = fileURLToPath(new URL('../fixtures/llava-1.5-7b-hf/preprocessor_config.json', import.meta.url));
const cfg = parseClipProcessorConfig(JSON.parse(readFileSync(checkpointConfigPath, 'utf8')), checkpointConfigPath);

describe('preprocess vs HF CLIPImageProcessor (fixtures)', () => {
  const report: string[] = [];
  afterAll(() => console.log(report.join('\n')));

  for (const fx of fixtureImages) {
    for (const pad of [false, true]) {
      const key = `${fx.name}.${pad ? 'crop336_pad' : 'crop336'}`;
      test(key, () => {
        // Start from Pillow's decoded RGB so that only the preprocessing is compared.
        const out = preprocess(goldenRgb(`${fx.name}.rgb`), cfg, { padToSquare: pad });
        const g = agreement(out.resizedU8, goldenRgb(key).data);
        report.push(fmtAgreement(key, g));
        expect(out.size).toBe(336);
        expect(g.within1).toBeGreaterThanOrEqual(0.999);
        expect(g.maxDiff).toBeLessThanOrEqual(2);
        // Measured: bit-exact for every fixture (integer fixed-point arithmetic, same as Pillow).
        expect(g.maxDiff).toBe(0);
      });
    }
  }

  test('wide_517x389.pixel_values (rescale + normalise, CHW) within 1e-5', () => {
    const out = preprocess(goldenRgb('wide_517x389.rgb'), cfg);
    const want = goldenFile().readFloat32('wide_517x389.pixel_values');
    expect(want.length).toBe(out.pixelValues.length);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(out.pixelValues[i] - want[i]));
    report.push(`wide_517x389.pixel_values: max |Δ| ${maxErr}`);
    expect(maxErr).toBeLessThanOrEqual(1e-5);
  });

  test('end to end from the image files (our decoder + preprocess)', () => {
    for (const fx of fixtureImages) {
      const out = preprocess(readImageFile(IMAGES_DIR + fx.file), cfg);
      const g = agreement(out.resizedU8, goldenRgb(`${fx.name}.crop336`).data);
      report.push(fmtAgreement(`decode+preprocess ${fx.file}`, g));
      if (fx.format === 'PNG') expect(g.maxDiff).toBe(0);
      else expect(g.within2).toBeGreaterThanOrEqual(0.99); // the JPEG decoder's ±1–3 carries through
    }
  });
});

describe('ClipProcessorConfig', () => {
  test('llava-1.5-7b-hf preprocessor_config.json', () => {
    expect(cfg).toEqual({
      doConvertRgb: true,
      doResize: true,
      size: { shortestEdge: 336 },
      resample: 3,
      doCenterCrop: true,
      cropSize: { height: 336, width: 336 },
      doRescale: true,
      rescaleFactor: 0.00392156862745098,
      doNormalize: true,
      imageMean: [0.48145466, 0.4578275, 0.40821073],
      imageStd: [0.26862954, 0.26130258, 0.27577711],
    });
    expect(fixtureConfig()).toEqual(cfg);
    expect(padBackground(cfg)).toEqual(imagesJson.pad_background);
  });
  test('defaults and integer shorthands (get_size_dict)', () => {
    const c = parseClipProcessorConfig({ size: 224, crop_size: 200 });
    expect(c.size).toEqual({ shortestEdge: 224 });
    expect(c.cropSize).toEqual({ height: 200, width: 200 });
    expect(parseClipProcessorConfig({}).size).toEqual({ shortestEdge: 224 });
  });
  test('unsupported values are refused with the key and value', () => {
    expect(() => parseClipProcessorConfig({ resample: 2 }, 'pc.json')).toThrow(
      'pc.json: resample 2 (BILINEAR) is not supported; only 3 (BICUBIC) is implemented',
    );
    expect(() => parseClipProcessorConfig({ image_mean: [0.5, 0.5] }, 'pc.json')).toThrow(/^pc\.json: image_mean must be 3 finite numbers/);
    expect(() => parseClipProcessorConfig({ image_std: [1, 0, 1] }, 'pc.json')).toThrow(/image_std must be 3 finite numbers > 0/);
    expect(() => parseClipProcessorConfig({ size: { longest_edge: 5 } }, 'pc.json')).toThrow(/size\.longest_edge is not supported/);
    expect(() => parseClipProcessorConfig({ do_resize: 'yes' }, 'pc.json')).toThrow('pc.json: do_resize must be true or false, got "yes"');
    expect(() => parseClipProcessorConfig({ image_processor_type: 'SiglipImageProcessor' }, 'pc.json')).toThrow(/not supported \(only CLIPImageProcessor\)/);
  });
  test('a non-square result is refused', () => {
    const c = parseClipProcessorConfig({ do_center_crop: false, size: { shortest_edge: 8 } });
    const img: RgbImage = { width: 20, height: 10, data: new Uint8Array(600) };
    expect(() => preprocess(img, c)).toThrow('preprocess: the processed image is 16×8; the vision tower needs a square input');
    expect(preprocess(img, c, { padToSquare: true }).size).toBe(8);
  });
});

describe('Pillow bicubic pieces', () => {
  test('filter values (a = -0.5)', () => {
    expect(bicubicFilter(0)).toBe(1);
    expect(bicubicFilter(1) === 0).toBe(true); // −0 in IEEE terms, as in C
    expect(bicubicFilter(0.5)).toBe(0.5625);
    expect(bicubicFilter(-1.5)).toBe(-0.0625);
    expect(bicubicFilter(2)).toBe(0);
  });
  test('coefficients: support widened by the downscale factor, fixed point sums to 1 << 22', () => {
    const up = precomputeCoeffs(10, 0, 10, 20);
    expect(up.ksize).toBe(5);
    const down = precomputeCoeffs(100, 0, 100, 25); // scale 4 → support 8, ksize 17
    expect(down.ksize).toBe(17);
    for (const c of [up, down]) {
      for (let xx = 0; xx < c.bounds.length / 2; xx++) {
        let sum = 0;
        for (let k = 0; k < c.ksize; k++) sum += c.kk[xx * c.ksize + k];
        expect(Math.abs(sum - (1 << 22))).toBeLessThanOrEqual(c.ksize);
      }
    }
  });
  test('constant image stays constant; same size is a copy', () => {
    const img: RgbImage = { width: 7, height: 5, data: new Uint8Array(105).fill(200) };
    expect(resizeBicubic(img, 13, 3).data.every((v) => v === 200)).toBe(true);
    const same = resizeBicubic(img, 7, 5);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
  });
});

describe('geometry: original ↔ processed', () => {
  const blank = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3) });
  const geo = (w: number, h: number, pad: boolean): PreprocessGeometry => preprocessGeometry(w, h, cfg, { padToSquare: pad });
  const close = (p: { x: number; y: number }, x: number, y: number) => {
    expect(p.x).toBeCloseTo(x, 9);
    expect(p.y).toBeCloseTo(y, 9);
  };
  const roundTrip = (g: PreprocessGeometry) => {
    for (const [x, y] of [[0, 0], [g.originalWidth, g.originalHeight], [12.25, 7.5], [g.originalWidth / 3, g.originalHeight * 0.9]]) {
      const p = originalToProcessed(g, x, y);
      close(processedToOriginal(g, p.x, p.y), x, y);
    }
  };

  test('preprocessGeometry (no pixels) is exactly the geometry preprocess reports', () => {
    for (const [w, h] of [[517, 389], [240, 500], [336, 336], [100, 80]] as const) {
      for (const pad of [false, true]) expect(geo(w, h, pad)).toEqual(preprocess(blank(w, h), cfg, { padToSquare: pad }).geometry);
    }
    const c = { ...cfg, doResize: false, cropSize: { width: 8, height: 8 } };
    expect(() => preprocessGeometry(16, 7, c)).toThrow('preprocess: centre crop 8×8 of a 16×7 image would give 8×7');
  });
  test('wide 517×389, crop: resized 446×336, 55 px cut on the left', () => {
    const g = geo(517, 389, false);
    expect(resizeOutputSize(517, 389, cfg)).toEqual([336, 446]); // int(336 * 517 / 389) = 446
    expect(g).toMatchObject({ resizedWidth: 446, resizedHeight: 336, cropLeft: 55, cropTop: 0, padLeft: 0, padTop: 0, size: 336 });
    close(originalToProcessed(g, 0, 0), -55, 0); // the top-left corner is cropped away
    close(originalToProcessed(g, 517, 389), 391, 336); // bottom-right: 446 − 55 = 391, off the right edge
    close(originalToProcessed(g, 258.5, 194.5), 168, 168); // centre → centre
    close(processedToOriginal(g, 0, 0), (55 * 517) / 446, 0);
    const v = visibleOriginalRect(g);
    expect(v.x0).toBeCloseTo((55 * 517) / 446, 9);
    expect(v.x1).toBeCloseTo((391 * 517) / 446, 9);
    expect([v.y0, v.y1]).toEqual([0, 389]);
    roundTrip(g);
  });
  test('tall 240×500, crop: resized 336×700, 182 px cut at the top', () => {
    const g = geo(240, 500, false);
    expect(g).toMatchObject({ resizedWidth: 336, resizedHeight: 700, cropLeft: 0, cropTop: 182 });
    close(originalToProcessed(g, 0, 0), 0, -182);
    close(originalToProcessed(g, 240, 500), 336, 518);
    close(processedToOriginal(g, 0, 0), 0, 130); // 182 · 500/700
    close(processedToOriginal(g, 336, 336), 240, 370);
    roundTrip(g);
  });
  test('square 600×600 and 336×336, crop and pad: a pure scale', () => {
    for (const pad of [false, true]) {
      const g = geo(600, 600, pad);
      expect(g).toMatchObject({ cropLeft: 0, cropTop: 0, padLeft: 0, padTop: 0, resizedWidth: 336 });
      close(originalToProcessed(g, 600, 600), 336, 336);
      close(originalToProcessed(g, 300, 150), 168, 84);
      roundTrip(g);
      const id = geo(336, 336, pad);
      close(originalToProcessed(id, 17, 300), 17, 300);
    }
  });
  test('wide 517×389, pad: 64 rows of background on top, nothing cropped', () => {
    const g = geo(517, 389, true);
    expect(g).toMatchObject({ padLeft: 0, padTop: 64, paddedWidth: 517, paddedHeight: 517, resizedWidth: 336, cropLeft: 0, cropTop: 0 });
    close(originalToProcessed(g, 0, 0), 0, (64 * 336) / 517); // 41.59…
    close(originalToProcessed(g, 517, 389), 336, (453 * 336) / 517); // 294.41…
    expect(visibleOriginalRect(g)).toEqual({ x0: 0, y0: 0, x1: 517, y1: 389 });
    const r = imageRectInProcessed(g);
    expect(r.y0).toBeCloseTo((64 * 336) / 517, 9);
    expect(r.y1).toBeCloseTo((453 * 336) / 517, 9);
    roundTrip(g);
  });
  test('tall 240×500, pad: 130 columns of background on the left', () => {
    const g = geo(240, 500, true);
    expect(g).toMatchObject({ padLeft: 130, padTop: 0, paddedWidth: 500, paddedHeight: 500, cropLeft: 0, cropTop: 0 });
    close(originalToProcessed(g, 0, 0), 87.36, 0); // 130 · 336/500
    close(originalToProcessed(g, 240, 500), 248.64, 336); // 370 · 336/500
    roundTrip(g);
  });
  test('pad mode puts the mean colour where the geometry says the background is', () => {
    const out = preprocess(goldenRgb('wide_517x389.rgb'), cfg, { padToSquare: true });
    const at = (x: number, y: number) => Array.from(out.resizedU8.subarray((y * 336 + x) * 3, (y * 336 + x) * 3 + 3));
    expect(at(100, 10)).toEqual([122, 116, 104]); // y < 41.6: background
    expect(at(100, 330)).toEqual([122, 116, 104]); // y > 294.4: background
  });
});
