/**
 * Image container sniffing and header parsing, done BEFORE any pixel is decoded so that the
 * decompression-bomb limit can be enforced from the declared size alone.
 *
 * Only PNG and JPEG are decoded; for other well-known containers the error names what was seen.
 */

/** Every failure to read an image: the message always starts with the file name. */
export class ImageError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ImageError';
  }
}

export type ImageFormat = 'png' | 'jpeg';

/** What the header declares; `bitDepth` / `colorType` / `components` depend on the format. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** PNG: 1/2/4/8/16; JPEG: sample precision (8 or 12). */
  bitDepth: number;
  /** PNG IHDR colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA); −1 for JPEG. */
  colorType: number;
  /** JPEG: number of components in the frame; PNG: 0. */
  components: number;
  /** JPEG: the SOFn marker (0xC0 baseline, 0xC1 extended, 0xC2 progressive, …); PNG: 0. */
  sofMarker: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Magic numbers of formats we recognise but do not decode, for a helpful message. */
const KNOWN_OTHER: { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'GIF', test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { name: 'BMP', test: (b) => ascii(b, 0, 2) === 'BM' },
  { name: 'WebP', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP' },
  { name: 'TIFF', test: (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*' },
  { name: 'HEIF/AVIF (ISO BMFF)', test: (b) => ascii(b, 4, 4) === 'ftyp' },
  { name: 'ICO', test: (b) => b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 },
  { name: 'JPEG 2000', test: (b) => ascii(b, 4, 4) === 'jP  ' || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff) },
  { name: 'PSD', test: (b) => ascii(b, 0, 4) === '8BPS' },
];

function ascii(b: Uint8Array, at: number, n: number): string {
  if (b.length < at + n) return '';
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[at + i]);
  return s;
}

function hexBytes(b: Uint8Array, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(n, b.length); i++) parts.push(b[i].toString(16).padStart(2, '0'));
  return parts.join(' ');
}

/** PNG or JPEG by magic bytes; anything else is an `ImageError` that quotes the first bytes. */
export function sniffFormat(bytes: Uint8Array, name: string): ImageFormat {
  if (bytes.length === 0) throw new ImageError(name, 'empty file (0 bytes)');
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const other = KNOWN_OTHER.find((k) => k.test(bytes));
  const seen = `magic bytes ${hexBytes(bytes, 8)}`;
  if (other) throw new ImageError(name, `unsupported image format ${other.name} (${seen}); only PNG and JPEG are supported`);
  throw new ImageError(name, `not a PNG or JPEG file (${seen})`);
}

/** Reads the declared size etc. from the PNG IHDR or the JPEG SOFn segment. */
export function readHeader(bytes: Uint8Array, name: string): ImageHeader {
  const format = sniffFormat(bytes, name);
  return format === 'png' ? readPngHeader(bytes, name) : readJpegHeader(bytes, name);
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

/** PNG: signature, then the first chunk must be IHDR (13 bytes): width, height, depth, colour type, … */
function readPngHeader(b: Uint8Array, name: string): ImageHeader {
  if (b.length < 8 + 8 + 13) throw new ImageError(name, `truncated PNG: ${b.length} bytes, too short for the IHDR chunk`);
  if (ascii(b, 12, 4) !== 'IHDR' || u32be(b, 8) !== 13) {
    throw new ImageError(name, `corrupt PNG: first chunk is '${ascii(b, 12, 4)}' (length ${u32be(b, 8)}), expected IHDR (13)`);
  }
  const header: ImageHeader = {
    format: 'png',
    width: u32be(b, 16),
    height: u32be(b, 20),
    bitDepth: b[24],
    colorType: b[25],
    components: 0,
    sofMarker: 0,
  };
  const validDepths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  const allowed = validDepths[header.colorType];
  if (!allowed) throw new ImageError(name, `corrupt PNG: invalid colour type ${header.colorType}`);
  if (!allowed.includes(header.bitDepth)) {
    throw new ImageError(name, `corrupt PNG: bit depth ${header.bitDepth} is invalid for colour type ${header.colorType}`);
  }
  return header;
}

/** SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** JPEG: walk the marker segments after SOI until the first SOFn (ITU T.81 B.2). */
function readJpegHeader(b: Uint8Array, name: string): ImageHeader {
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff) throw new ImageError(name, `corrupt JPEG: expected a marker at byte ${at}, found 0x${b[at].toString(16)}`);
    while (at < b.length && b[at] === 0xff) at++; // fill bytes
    if (at >= b.length) break;
    const marker = b[at++];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) {
      throw new ImageError(name, `corrupt JPEG: ${marker === 0xd9 ? 'EOI' : 'SOS'} at byte ${at - 2} before any frame header (SOFn)`);
    }
    if (at + 2 > b.length) break;
    const length = u16be(b, at);
    if (length < 2) throw new ImageError(name, `corrupt JPEG: segment 0xFF${marker.toString(16).toUpperCase()} has length ${length}`);
    if (isSof(marker)) {
      if (at + 8 > b.length) break;
      return {
        format: 'jpeg',
        bitDepth: b[at + 2],
        height: u16be(b, at + 3),
        width: u16be(b, at + 5),
        colorType: -1,
        components: b[at + 7],
        sofMarker: marker,
      };
    }
    at += length;
  }
  throw new ImageError(name, `truncated JPEG: no frame header (SOFn) in ${b.length} bytes`);
}
