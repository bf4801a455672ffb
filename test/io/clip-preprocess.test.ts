import { readFileSync } from 'node:fs';
import { preprocess } from '../../src/io/clip-preprocess.js';
import { agreement, fixtureConfig, fixtureImages, fmtAgreement, goldenRgb } from './preprocess-fixtures.js';

describe('preprocess vs HF CLIPImageProcessor (fixtures)', () => {
  const cfg = fixtureConfig();
  const report: string[] = [];
  afterAll(() => console.log(report.join('\n')));

  for (const fx of fixtureImages) {
    for (const pad of [false, true]) {
      const key = `${fx.name}.${pad ? 'crop336_pad' : 'crop336'}`;
      test(key, () => {
        // Start from Pillow's decoded RGB so that only preprocessing is compared here.
        const src = goldenRgb(`${fx.name}.rgb`);
        const out = preprocess(src, cfg, { padToSquare: pad });
        const g = agreement(out.resizedU8, goldenRgb(key).data);
        report.push(fmtAgreement(key, g));
        expect(out.size).toBe(336);
        expect(g.maxDiff).toBeLessThanOrEqual(2);
        expect(g.within1).toBeGreaterThanOrEqual(0.999);
      });
    }
  }
});
