/**
 * Issue 13 findings 1 and 10 (images): decompression bombs, forged JPEG sizes, sequential data under a
 * progressive marker, and resize outputs too large to allocate. Each case must end in an ImageError (or a
 * preprocess error) naming the input, quickly and without allocating what the header promises.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { decodeImage, ImageError } from '../../src/io/image.js';
import { parseClipProcessorConfig, preprocess } from '../../src/io/clip-preprocess.js';
import { interlacedBytes } from '../../src/io/image-png.js';
import { buildPng, chunk } from '../io/png-builder.js';
import { IMAGES_DIR } from '../io/preprocess-fixtures.js';
import { bounded } from './bounded.js';

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

function ihdr(width: number, height: number, depth: number, colorType: number, interlace: number): Uint8Array {
  const d = new Uint8Array(13);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}

/** An Adam7 8-bit gray PNG of `pixels` (row-major), filter 0 on every row of every pass. */
function interlacedGray(width: number, height: number, pixels: number[]): Uint8Array {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    for (let y = y0; y < height; y += dy) {
      if (x0 >= width) continue;
      raw.push(0);
      for (let x = x0; x < width; x += dx) raw.push(pixels[y * width + x]);
    }
  }
  return concat([SIGNATURE, ihdr(width, height, 8, 0, 1), chunk('IDAT', deflateSync(Uint8Array.from(raw))), chunk('IEND', new Uint8Array(0))]);
}

describe('PNG size checks', () => {
  test('a valid interlaced PNG still decodes, pixel for pixel', () => {
    const [w, h] = [11, 6];
    const pixels = Array.from({ length: w * h }, (_, i) => (i * 37) % 256);
    const img = decodeImage(interlacedGray(w, h, pixels), 'adam7.png');
    expect([img.width, img.height]).toEqual([w, h]);
    expect(Array.from({ length: w * h }, (_, i) => img.data[3 * i])).toEqual(pixels);
    // 11×6 gray: passes of 2×1, 1×1, 3×1, 3×2, 6×1, 5×3, 11×3 → rows of 1 + width bytes.
    expect(interlacedBytes(w, h, 8)).toBe(3 + 2 + 4 + 2 * 4 + 7 + 3 * 6 + 3 * 12);
  });

  test('finding 1: an interlaced 16×16 PNG whose data inflates to 64 MB is refused before pngjs inflates it', () => {
    const bomb = concat([SIGNATURE, ihdr(16, 16, 8, 2, 1), chunk('IDAT', deflateSync(new Uint8Array(64 << 20))), chunk('IEND', new Uint8Array(0))]);
    expect(bomb.length).toBeLessThan(200_000);
    const { error } = bounded(() => decodeImage(bomb, 'bomb.png'), { seconds: 2, megabytes: 100 });
    expect(error).toBeInstanceOf(ImageError);
    expect(error!.message).toMatch(/^bomb\.png: corrupt PNG: the interlaced 16×16 image data inflates past the \d+ bytes its header allows/);
  });

  test('finding 1: a 1,000,000×1 PNG decodes, but resizing it to shortest edge 336 is refused before allocating', () => {
    const png = buildPng({ width: 1_000_000, height: 1, bitDepth: 8, colorType: 0, rows: [new Uint8Array(1_000_000)] });
    const img = decodeImage(png, 'line.png');
    const cfg = parseClipProcessorConfig({ size: { shortest_edge: 336 }, crop_size: 336 });
    const { error } = bounded(() => preprocess(img, cfg, { source: 'line.png' }), { seconds: 2, megabytes: 100 });
    expect(error!.message).toMatch(/^line\.png: preprocess: the 1000000×1 image resized to shortest edge 336 would be 336000000×336 = 112896000000 pixels, over the limit of 50000000/);
    const padded = bounded(() => preprocess(img, cfg, { source: 'line.png', padToSquare: true }), { seconds: 2, megabytes: 100 });
    expect(padded.error!.message).toMatch(/^line\.png: preprocess: the 1000000×1 image padded to a square would be 1000000×1000000/);
  });

  test('finding 1: shortest_edge 60000 in preprocessor_config.json is refused with the allowed range', () => {
    expect(() => parseClipProcessorConfig({ size: { shortest_edge: 60000 } }, 'pc.json')).toThrow('pc.json: size.shortest_edge must be an integer in [1, 8192], got 60000');
    expect(() => parseClipProcessorConfig({ crop_size: 1e9 }, 'pc.json')).toThrow('pc.json: crop_size must be an integer in [1, 8192], got 1000000000');
  });
});

describe('JPEG size and scan checks', () => {
  const jpg = new Uint8Array(readFileSync(`${IMAGES_DIR}wide_517x389_q90.jpg`));
  /** Offset of the SOFn marker's 0xFF. */
  const sofAt = (b: Uint8Array) => {
    for (let i = 2; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] >= 0xc0 && b[i + 1] <= 0xc2) return i;
    throw new Error('no SOF');
  };

  test('finding 1: a 999-byte JPEG that declares 7000×7000 is refused from its data size, not decoded', () => {
    const forged = jpg.slice(0, 999);
    const at = sofAt(forged);
    forged.set([7000 >> 8, 7000 & 255, 7000 >> 8, 7000 & 255], at + 5); // height, width
    forged.set([0xff, 0xd9], 997); // keep an end marker so that only the size is wrong
    const { error } = bounded(() => decodeImage(forged, 'forged.jpg'), { seconds: 2, megabytes: 100 });
    expect(error).toBeInstanceOf(ImageError);
    expect(error!.message).toMatch(/^forged\.jpg: corrupt JPEG: it declares 7000×7000 \(\d+ blocks of 8×8\) but holds \d+ bytes of scan data; at least \d+ are needed/);
  });

  test('finding 10: baseline scan data under a progressive marker is an error, not noise with exit 0', () => {
    const bad = jpg.slice();
    bad[sofAt(bad) + 1] = 0xc2;
    expect(() => decodeImage(bad, 'prog.jpg')).toThrow(/^prog\.jpg: corrupt JPEG: scan 0 \(Ss 0, Se 63, Ah 0, Al 0, 3 components\) is not a progressive scan/);
  });

  test('the fixtures (baseline and progressive) still decode', () => {
    expect(decodeImage(jpg, 'q90.jpg').width).toBe(517);
    expect(decodeImage(new Uint8Array(readFileSync(`${IMAGES_DIR}wide_400x300_progressive.jpg`)), 'p.jpg').width).toBe(400);
  });
});
