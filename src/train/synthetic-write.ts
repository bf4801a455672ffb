/**
 * Writing a synthetic referring split to disk (Node only): images/<id>.png, images/masks/<id>.png
 * (0/255) and one question file per task, `question_<task>.json`, in JSON Lines (one record per line,
 * as the official question_roc.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../io/image.js';
import type { SceneOptions } from './synthetic.js';
import { maskImage, referSplit, type ReferTask } from './synthetic-refer.js';

export interface SplitSpec {
  name: string;
  seed: number;
  perTask: number;
}

export const DEFAULT_SPLITS: SplitSpec[] = [
  { name: 'val', seed: 2001, perTask: 200 },
  { name: 'test', seed: 3001, perTask: 600 },
];

export const REFER_TASKS: readonly ReferTask[] = ['roc', 'colour', 'shape'];

/** Writes one split under dir/<name>/; returns the question files written. */
export function writeReferSplit(dir: string, spec: SplitSpec, opts: SceneOptions = {}, tasks: readonly ReferTask[] = REFER_TASKS): string[] {
  const root = join(dir, spec.name);
  mkdirSync(join(root, 'images', 'masks'), { recursive: true });
  const items = referSplit(spec.seed, spec.perTask, tasks, opts, `${spec.name}-`);
  const files: string[] = [];
  for (const task of tasks) {
    const lines: string[] = [];
    for (const { record, scene } of items.filter((it) => it.record.task === task)) {
      writeFileSync(join(root, 'images', record.image), encodePng(scene.image));
      writeFileSync(join(root, 'images', record.mask), encodePng(maskImage(scene, record.object_index)));
      lines.push(JSON.stringify(record));
    }
    const file = join(root, `question_${task}.json`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  return files;
}
