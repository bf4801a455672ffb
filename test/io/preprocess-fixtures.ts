/** Shared loaders for test/fixtures/preprocess (images.json + images.safetensors + images/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SafetensorsFile } from '../../src/safetensors/index.js';
import { fileSource } from '../../src/safetensors/node.js';
import { parseClipProcessorConfig, type ClipProcessorConfig } from '../../src/io/clip-preprocess.js';
import type { RgbImage } from '../../src/io/image.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/preprocess/', import.meta.url));
export const IMAGES_DIR = `${FIXTURES}images/`;

export interface FixtureImage {
  name: string;
  file: string;
  size: [number, number];
  mode: string;
  format: 'PNG' | 'JPEG';
  progressive: boolean;
}

interface ImagesJson {
  preprocessor_config: unknown;
  pad_background: [number, number, number];
  images: Record<string, Omit<FixtureImage, 'name'>>;
}

export const imagesJson: ImagesJson = JSON.parse(readFileSync(`${FIXTURES}images.json`, 'utf8'));
export const fixtureImages: FixtureImage[] = Object.entries(imagesJson.images).map(([name, v]) => ({ name, ...v }));

let golden: SafetensorsFile | undefined;
export function goldenFile(): SafetensorsFile {
  golden ??= SafetensorsFile.open(fileSource(`${FIXTURES}images.safetensors`));
  return golden;
}

/** A U8 [H, W, 3] golden array as an RgbImage. */
export function goldenRgb(key: string): RgbImage {
  const t = goldenFile().read(key);
  if (t.dtype !== 'U8' || t.shape.length !== 3 || t.shape[2] !== 3) throw new Error(`${key}: expected U8 [H,W,3], got ${t.dtype} [${t.shape}]`);
  return { height: t.shape[0], width: t.shape[1], data: t.data as Uint8Array };
}

/** The llava-1.5-7b-hf processor settings as recorded alongside the fixtures. */
export function fixtureConfig(): ClipProcessorConfig {
  return parseClipProcessorConfig(imagesJson.preprocessor_config, 'images.json preprocessor_config');
}

export interface Agreement {
  count: number;
  maxDiff: number;
  /** Fraction of values with |a − b| ≤ 1. */
  within1: number;
  /** Fraction of values with |a − b| ≤ 2. */
  within2: number;
  exact: number;
}

/** Element-wise agreement of two equal-length byte arrays. */
export function agreement(a: Uint8Array, b: Uint8Array): Agreement {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxDiff = 0;
  let w1 = 0;
  let w2 = 0;
  let ex = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > maxDiff) maxDiff = d;
    if (d === 0) ex++;
    if (d <= 1) w1++;
    if (d <= 2) w2++;
  }
  const n = a.length;
  return { count: n, maxDiff, within1: w1 / n, within2: w2 / n, exact: ex / n };
}

export function fmtAgreement(label: string, g: Agreement): string {
  const pct = (x: number) => `${(100 * x).toFixed(4)}%`;
  return `${label}: max |Δ| ${g.maxDiff}, exact ${pct(g.exact)}, ≤1 ${pct(g.within1)}, ≤2 ${pct(g.within2)} of ${g.count}`;
}
