/**
 * The synthetic ROC questions written in the official ROC form and layout (Node only), so that the whole
 * official path — reader, layout, masks, preset, scorer — runs on the bundled model:
 *
 *   DIR/question_roc.json             JSON Lines: id, image_path, text, name, synonyms, bbox, seg_mask,
 *                                     center_point, scribble (LVIS-style names: '_' for spaces)
 *   DIR/image/synthetic/<n>.png       the scene (image_path = synthetic/<n>.png: its last two parts)
 *   DIR/mask/<n>.png                  the object's mask, 0 / 255
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SceneOptions } from '../train/synthetic.js';
import { maskImage, referSplit } from '../train/synthetic-refer.js';
import { encodePng } from '../io/image.js';

const lvisName = (s: string) => s.replace(/ /g, '_');

/** Writes `count` ROC questions of scenes drawn from `seed`; returns the question file. */
export function writeOfficialRoc(dir: string, seed: number, count: number, opts: SceneOptions = {}): string {
  mkdirSync(join(dir, 'image', 'synthetic'), { recursive: true });
  mkdirSync(join(dir, 'mask'), { recursive: true });
  const lines = referSplit(seed, count, ['roc'], opts).map(({ record: r, scene }, id) => {
    writeFileSync(join(dir, 'image', 'synthetic', `${id}.png`), encodePng(scene.image));
    writeFileSync(join(dir, 'mask', `${id}.png`), encodePng(maskImage(scene, r.object_index)));
    return JSON.stringify({
      id, image_path: `synthetic/${id}.png`, text: r.question, name: lvisName(r.answer), synonyms: r.synonyms.map(lvisName),
      bbox: r.bbox, seg_mask: `${id}.png`, center_point: r.center_point, scribble: r.scribble,
    });
  });
  const file = join(dir, 'question_roc.json');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
