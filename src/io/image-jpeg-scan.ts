/**
 * A walk over a JPEG's marker segments and entropy-coded scans (ITU T.81 B.2), done before jpeg-js
 * allocates anything, to refuse files whose header promises more than their data can hold:
 *
 * - each scan's spectral selection / successive approximation must fit the frame type (B.2.3, G.1.1):
 *   sequential frames have one scan form (Ss 0, Se 63, Ah Al 0); progressive DC scans have Se 0 and AC
 *   scans 1 ≤ Ss ≤ Se ≤ 63 over one component. Sequential data under a progressive marker would
 *   otherwise decode to noise without an error.
 * - the entropy-coded bytes must hold at least one bit per 8×8 block of every component: every block's
 *   DC coefficient is coded with a Huffman code of at least one bit, in every mode. A 999-byte file
 *   that declares 7000×7000 cannot, and jpeg-js would allocate the full frame before noticing.
 * - an EOI must follow the scans (a file cut short loses it; Pillow reports "image file is truncated").
 */
import { ImageError, type ImageHeader } from './image-format.js';

export interface JpegScans {
  /** Scans (SOS segments) seen. */
  scans: number;
  /** Entropy-coded bytes after all SOS headers, restart markers included. */
  dataBytes: number;
  /** An EOI marker follows the last scan. */
  eoi: boolean;
}

const isRst = (m: number) => m >= 0xd0 && m <= 0xd7;

/** Walks the file; throws an ImageError for a scan header that does not fit the frame. */
export function walkJpegScans(b: Uint8Array, header: ImageHeader, name: string): JpegScans {
  const out: JpegScans = { scans: 0, dataBytes: 0, eoi: false };
  let at = 2;
  while (at + 1 < b.length) {
    if (b[at] !== 0xff) return out; // garbage between segments: jpeg-js reports it
    const m = b[at + 1];
    if (m === 0xff) {
      at++;
      continue;
    }
    if (m === 0xd9) {
      out.eoi = out.scans > 0;
      return out;
    }
    if (m === 0xd8 || m === 0x01 || isRst(m)) {
      at += 2;
      continue;
    }
    if (at + 4 > b.length) return out;
    const len = (b[at + 2] << 8) | b[at + 3];
    if (m === 0xda) {
      checkScanHeader(b.subarray(at + 4, at + 2 + len), header, name, out.scans);
      out.scans++;
      const start = at + 2 + len;
      at = endOfEntropyData(b, start);
      out.dataBytes += at - start;
      continue;
    }
    at += 2 + len;
  }
  return out;
}

/** The first marker after entropy-coded data that is not a stuffed byte (FF 00) or a restart marker. */
function endOfEntropyData(b: Uint8Array, from: number): number {
  for (let i = from; i + 1 < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] !== 0x00 && b[i + 1] !== 0xff && !isRst(b[i + 1])) return i;
  }
  return b.length;
}

/** SOS: Ns, Ns × (Cs, Td/Ta), Ss, Se, Ah/Al. */
function checkScanHeader(seg: Uint8Array, h: ImageHeader, name: string, index: number): void {
  const ns = seg[0];
  if (seg.length < 4 + 2 * ns) throw new ImageError(name, `corrupt JPEG: scan ${index} header is ${seg.length} bytes, too short for ${ns} components`);
  const [ss, se, ah, al] = [seg[1 + 2 * ns], seg[2 + 2 * ns], seg[3 + 2 * ns] >> 4, seg[3 + 2 * ns] & 15];
  const where = `scan ${index} (Ss ${ss}, Se ${se}, Ah ${ah}, Al ${al}, ${ns} component${ns === 1 ? '' : 's'})`;
  if (h.sofMarker === 0xc2) {
    const dc = ss === 0 && se === 0;
    const ac = ss >= 1 && se >= ss && se <= 63 && ns === 1;
    if (!(dc || ac) || ah > 13 || al > 13) {
      throw new ImageError(name, `corrupt JPEG: ${where} is not a progressive scan (DC: Ss = Se = 0; AC: 1 ≤ Ss ≤ Se ≤ 63, one component)`);
    }
  } else if (h.sofMarker === 0xc0 || h.sofMarker === 0xc1) {
    if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) {
      throw new ImageError(name, `corrupt JPEG: ${where} does not fit a sequential frame (Ss 0, Se 63, Ah 0, Al 0)`);
    }
  }
}

/** 8×8 blocks of every component, from the SOFn component table (without MCU padding: a lower bound). */
export function countBlocks(width: number, height: number, sampling: readonly { h: number; v: number }[]): number {
  if (sampling.length === 0) return Math.ceil(width / 8) * Math.ceil(height / 8);
  const hMax = Math.max(...sampling.map((c) => c.h), 1);
  const vMax = Math.max(...sampling.map((c) => c.v), 1);
  let blocks = 0;
  for (const c of sampling) blocks += Math.ceil(Math.ceil((width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((height * c.v) / vMax) / 8);
  return blocks;
}

/** Refuses a frame whose blocks cannot all be coded in the scan bytes present (≥ 1 bit per block). */
export function checkJpegDataSize(scans: JpegScans, header: ImageHeader, blocks: number, name: string, fileBytes: number): void {
  const { width, height } = header;
  if (!scans.eoi) {
    throw new ImageError(name, `truncated JPEG (${width}×${height}): no end-of-image marker after the scan data (${fileBytes} bytes)`);
  }
  const needed = Math.ceil(blocks / 8);
  if (scans.dataBytes < needed) {
    throw new ImageError(
      name,
      `corrupt JPEG: it declares ${width}×${height} (${blocks} blocks of 8×8) but holds ${scans.dataBytes} bytes of scan data; ` +
        `at least ${needed} are needed (one bit per block): a truncated file or a forged header`,
    );
  }
}
