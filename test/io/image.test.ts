import { readFileSync } from 'node:fs';
import { decodeImage, encodePng, readHeader } from '../../src/io/image.js';
import { readImageFile } from '../../src/io/image-node.js';
import { buildPng, u16be } from './png-builder.js';
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

/** Pixels of a decoded image as [r, g, b] triples. */
function pixels(bytes: Uint8Array, name = 'test.png'): number[][] {
  const img = decodeImage(bytes, name);
  const out: number[][] = [];
  for (let i = 0; i < img.width * img.height; i++) out.push(Array.from(img.data.subarray(i * 3, i * 3 + 3)));
  return out;
}

// Expected values checked against Pillow 12.3 (Image.open(f).convert('RGB')) on these same files.
describe('PNG colour types and depths, converted as Pillow convert("RGB") does', () => {
  test('16-bit RGB keeps the most significant byte (Pillow "RGB;16B"), not a rounded rescale', () => {
    const png = buildPng({ width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [u16be([0x12ff, 0x0080, 0xffff, 0x8000, 0x7fff, 0x0001])] });
    expect(pixels(png)).toEqual([[0x12, 0x00, 0xff], [0x80, 0x7f, 0x00]]);
  });
  test('16-bit RGBA and gray+alpha: high byte, alpha dropped', () => {
    const rgba = buildPng({ width: 1, height: 1, bitDepth: 16, colorType: 6, rows: [u16be([0x0102, 0x0304, 0x0506, 0])] });
    expect(pixels(rgba)).toEqual([[1, 3, 5]]);
    const la = buildPng({ width: 1, height: 1, bitDepth: 16, colorType: 4, rows: [u16be([0xab12, 0])] });
    expect(pixels(la)).toEqual([[0xab, 0xab, 0xab]]);
  });
  test('16-bit gray clips at 255 (Pillow mode I;16 → RGB)', () => {
    const png = buildPng({ width: 3, height: 1, bitDepth: 16, colorType: 0, rows: [u16be([200, 300, 65535])] });
    expect(pixels(png)).toEqual([[200, 200, 200], [255, 255, 255], [255, 255, 255]]);
  });
  test('1-, 4-bit gray scaled to 0..255; 8-bit gray+alpha replicated', () => {
    expect(pixels(buildPng({ width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [new Uint8Array([0xa0])] }))).toEqual([
      [255, 255, 255], [0, 0, 0], [255, 255, 255],
    ]);
    expect(pixels(buildPng({ width: 2, height: 1, bitDepth: 4, colorType: 0, rows: [new Uint8Array([0x3f])] }))).toEqual([
      [51, 51, 51], [255, 255, 255],
    ]);
    expect(pixels(buildPng({ width: 1, height: 1, bitDepth: 8, colorType: 4, rows: [new Uint8Array([100, 0])] }))).toEqual([[100, 100, 100]]);
  });
  test('2-bit palette with tRNS: palette colours, alpha dropped', () => {
    const png = buildPng({
      width: 4,
      height: 1,
      bitDepth: 2,
      colorType: 3,
      rows: [new Uint8Array([0b10_00_01_10])],
      extra: [['PLTE', new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90])], ['tRNS', new Uint8Array([0, 128])]],
    });
    expect(pixels(png)).toEqual([[70, 80, 90], [10, 20, 30], [40, 50, 60], [70, 80, 90]]);
  });
  test('tRNS on RGB / gray images keeps the colour (pngjs alone would zero it)', () => {
    const rgb = buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [new Uint8Array([5, 6, 7, 1, 2, 3])], extra: [['tRNS', u16be([5, 6, 7])]] });
    expect(pixels(rgb)).toEqual([[5, 6, 7], [1, 2, 3]]);
    const gray = buildPng({ width: 1, height: 1, bitDepth: 8, colorType: 0, rows: [new Uint8Array([9])], extra: [['tRNS', u16be([9])]] });
    expect(pixels(gray)).toEqual([[9, 9, 9]]);
  });
  test('encodePng round-trips exactly and records the size', () => {
    const img = readImageFile(IMAGES_DIR + 'small_100x80.png');
    const png = encodePng(img);
    expect(readHeader(png, 'x.png')).toMatchObject({ format: 'png', width: 100, height: 80, bitDepth: 8, colorType: 2 });
    expect(decodeImage(png, 'x.png')).toEqual(img);
  });
});

describe('bad input: clear ImageError naming the file', () => {
  const png = readFileSync(IMAGES_DIR + 'small_100x80.png');
  const jpg = readFileSync(IMAGES_DIR + 'wide_517x389_q90.jpg');
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect((e as Error).name).toBe('ImageError');
      return (e as Error).message;
    }
    throw new Error('expected an ImageError');
  };

  test('truncated PNG (half the file, and just the header)', () => {
    expect(err(() => decodeImage(png.subarray(0, png.length >> 1), 'cut.png'))).toMatch(/^cut\.png: corrupt or truncated PNG \(100×80, 8-bit, colour type 2\): /);
    expect(err(() => decodeImage(png.subarray(0, 40), 'head.png'))).toMatch(/^head\.png: corrupt or truncated PNG/);
    expect(err(() => decodeImage(png.subarray(0, 20), 'tiny.png'))).toMatch(/^tiny\.png: truncated PNG: 20 bytes/);
  });
  test('truncated JPEG', () => {
    expect(err(() => decodeImage(jpg.subarray(0, Math.floor(jpg.length * 0.7)), 'cut.jpg'))).toMatch(/^cut\.jpg: truncated JPEG \(517×389\)/);
    expect(err(() => decodeImage(jpg.subarray(0, 100), 'head.jpg'))).toMatch(/^head\.jpg: truncated JPEG: no frame header/);
  });
  test('random bytes, empty file', () => {
    let seed = 12345;
    const rnd = Uint8Array.from({ length: 256 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    expect(err(() => decodeImage(rnd, 'noise.bin'))).toMatch(/^noise\.bin: not a PNG or JPEG file \(magic bytes [0-9a-f]{2}( [0-9a-f]{2}){7}\)$/);
    expect(err(() => decodeImage(new Uint8Array(0), 'empty.png'))).toBe('empty.png: empty file (0 bytes)');
  });
  test('GIF and BMP magic bytes are named', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');
    expect(err(() => decodeImage(gif, 'anim.gif'))).toBe(
      'anim.gif: unsupported image format GIF (magic bytes 47 49 46 38 39 61 01 00); only PNG and JPEG are supported',
    );
    const bmp = new Uint8Array([0x42, 0x4d, 0x36, 0, 0, 0, 0, 0, 0, 0]);
    expect(err(() => decodeImage(bmp, 'pic.bmp'))).toMatch(/^pic\.bmp: unsupported image format BMP \(magic bytes 42 4d 36 00/);
  });
  test('zero-size PNG and JPEG', () => {
    expect(err(() => decodeImage(buildPng({ width: 0, height: 5, bitDepth: 8, colorType: 2, rows: [] }), 'zero.png'))).toBe(
      'zero.png: zero-size PNG image (0×5)',
    );
    const bad = Uint8Array.from(jpg);
    const sof = bad.findIndex((b, i) => b === 0xff && bad[i + 1] === 0xc0);
    bad[sof + 5] = 0; // height high byte
    bad[sof + 6] = 0; // height low byte
    expect(err(() => decodeImage(bad, 'zero.jpg'))).toBe('zero.jpg: zero-size JPEG image (517×0)');
  });
  test('over the pixel limit, checked from the header before decoding', () => {
    expect(err(() => decodeImage(png, 'small.png', { maxPixels: 1000 }))).toMatch(
      /^small\.png: PNG image is 100×80 = 8000 pixels, over the limit of 1000 \(possible decompression bomb/,
    );
    // A header claiming 10 Gpx with no pixel data at all: only a header check can answer this way.
    const bomb = buildPng({ width: 100000, height: 100000, bitDepth: 8, colorType: 2, rows: [] });
    expect(err(() => decodeImage(bomb, 'bomb.png'))).toMatch(/^bomb\.png: PNG image is 100000×100000 = 10000000000 pixels, over the limit of 50000000/);
    const big = Uint8Array.from(jpg);
    const sof = big.findIndex((b, i) => b === 0xff && big[i + 1] === 0xc0);
    big.set([0xff, 0xff, 0xff, 0xff], sof + 5); // 65535×65535
    expect(err(() => decodeImage(big, 'big.jpg'))).toMatch(/^big\.jpg: JPEG image is 65535×65535 = 4294836225 pixels, over the limit/);
    expect(() => decodeImage(jpg, 'ok.jpg', { maxPixels: 517 * 389 })).not.toThrow();
  });
  test('missing file', () => {
    expect(err(() => readImageFile('/nonexistent/dir/x.png'))).toMatch(/^\/nonexistent\/dir\/x\.png: cannot read file: /);
  });
});
