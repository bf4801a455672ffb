/** Hand-built PNG files for decoder edge cases (node:zlib for the IDAT stream; tests only). */
import { deflateSync } from 'node:zlib';
import { concatBytes } from '../../src/io/image-png.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}


export interface PngSpec {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Unfiltered scanlines, packed as the PNG spec says (big-endian 16-bit samples, MSB-first bits). */
  rows: Uint8Array[];
  /** Extra chunks placed before IDAT (PLTE, tRNS, …). */
  extra?: [string, Uint8Array][];
}

/** A complete PNG file: signature, IHDR, extra chunks, one IDAT (filter type 0 on every row), IEND. */
export function buildPng(s: PngSpec): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, s.width);
  dv.setUint32(4, s.height);
  ihdr.set([s.bitDepth, s.colorType, 0, 0, 0], 8);
  const raw = concatBytes(s.rows.flatMap((r) => [new Uint8Array([0]), r]));
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(s.extra ?? []).map(([t, d]) => chunk(t, d)),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Big-endian 16-bit samples as bytes. */
export function u16be(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 255;
  });
  return out;
}
