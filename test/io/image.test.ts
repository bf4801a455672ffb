import { readFileSync } from 'node:fs';
import { decodeImage, encodePng, readHeader } from '../../src/io/image.js';
import { readImageFile } from '../../src/io/image-node.js';
import { agreement, fixtureImages, fmtAgreement, goldenRgb, IMAGES_DIR } from './preprocess-fixtures.js';

describe('decodeImage vs Pillow convert("RGB") (fixtures)', () => {
  const report: string[] = [];
  afterAll(() => console.log(report.join('\n')));

  for (const fx of fixtureImages) {
    test(`${fx.file} (${fx.format} ${fx.mode}${fx.progressive ? ', progressive' : ''})`, () => {
      const img = readImageFile(IMAGES_DIR + fx.file);
      const want = goldenRgb(`${fx.name}.rgb`);
      expect([img.width, img.height]).toEqual(fx.size);
      expect([img.width, img.height]).toEqual([want.width, want.height]);
      const g = agreement(img.data, want.data);
      report.push(fmtAgreement(fx.file, g));
      if (fx.format === 'PNG') {
        expect(g.maxDiff).toBe(0);
      } else {
        // jpeg-js is not libjpeg (IDCT and chroma upsampling differ): close, not identical.
        expect(g.within2).toBeGreaterThanOrEqual(0.99);
      }
    });
  }
});
