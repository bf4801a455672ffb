/** Visual prompts from command-line flags: --box (repeatable), --mask PNG, --scribble JSON, --point x,y. */
import { readJsonFile } from '../io/json-node.js';
import { showJson } from '../io/json-show.js';
import { readImageFile } from '../io/image-node.js';
import { RegionError, type VisualPrompt } from '../controlmllm/regions.js';

export interface RegionFlags {
  box?: string[];
  'box-format'?: string;
  mask?: string;
  scribble?: string;
  point?: string;
}

export function regionsFromFlags(f: RegionFlags): VisualPrompt[] {
  const regions: VisualPrompt[] = [];
  const format = f['box-format'] ?? 'xywh';
  if (format !== 'xywh' && format !== 'xyxy') throw new Error(`--box-format must be xywh or xyxy, got '${format}'`);
  for (const b of f.box ?? []) {
    const [x, y, w, h] = parseNumbers(b, 4, '--box');
    regions.push({ type: 'box', box: [x, y, w, h], format });
  }
  if (f.mask) {
    const img = readImageFile(f.mask);
    const data = new Uint8Array(img.width * img.height);
    for (let i = 0; i < data.length; i++) data[i] = img.data[3 * i] > 0 ? 1 : 0; // channel 0 > 0, as the official code
    regions.push({ type: 'mask', width: img.width, height: img.height, data });
  }
  if (f.scribble) regions.push({ type: 'scribble', points: readScribble(f.scribble) });
  if (f.point) {
    const [x, y] = parseNumbers(f.point, 2, '--point');
    regions.push({ type: 'point', point: [x, y] });
  }
  if (regions.length === 0) throw new Error('give a region: --box x,y,w,h | --mask FILE.png | --scribble FILE.json | --point x,y');
  return regions;
}

/** A scribble file: JSON [[x, y], …] (or {"points": [[x, y], …]}). */
function readScribble(file: string): Array<[number, number]> {
  const json = readJsonFile(file);
  const points = Array.isArray(json) ? json : typeof json === 'object' && json !== null ? (json as { points?: unknown }).points : undefined;
  const ok = Array.isArray(points) && points.length > 0 && points.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite));
  if (!ok) throw new RegionError(`${file}: expected a JSON list of [x, y] points (or {"points": [...]}), got ${showJson(json, 40)}`);
  return points as Array<[number, number]>;
}

/** Reads a region given on the command line: "x,y,w,h" boxes, "x,y" points. */
function parseNumbers(text: string, count: number, what: string): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== count || parts.some((v) => !Number.isFinite(v))) {
    throw new RegionError(`${what} must be ${count} comma-separated numbers, got '${text}'`);
  }
  return parts;
}
