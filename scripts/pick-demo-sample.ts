/**
 * Picks the sample that `npm start` shows: the first validation colour question (src/controlmllm/
 * synthetic.ts, val split) where the bundled model answers wrongly without the region and rightly with
 * ControlMLLM++ (the tuned settings of weights/default/TRAINING.md), upscaled ×4 so the heatmaps are
 * visible. Writes weights/default/sample.png and weights/default/demo.json.
 *
 *   npx esbuild scripts/pick-demo-sample.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/pick.mjs && node tmp/pick.mjs tmp/synthetic-shape/val
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { askAboutRegion, createWasmBackend, loadSession, readImageFile, setBackend, encodePng, type AskOptions, type RgbImage } from '../src/node.js';

const SCALE = 4;
const options: AskOptions = { method: 'pp', lr: 0.4, steps: 3, layers: 'all', maxNewTokens: 6 };

function upscale(img: RgbImage, s: number): RgbImage {
  const out = new Uint8Array(img.width * s * img.height * s * 3);
  for (let y = 0; y < img.height * s; y++) for (let x = 0; x < img.width * s; x++) {
    const src = 3 * (Math.floor(y / s) * img.width + Math.floor(x / s));
    out.set(img.data.subarray(src, src + 3), 3 * (y * img.width * s + x));
  }
  return { width: img.width * s, height: img.height * s, data: out };
}

const split = process.argv[2] ?? 'tmp/synthetic-shape/val';
setBackend(await createWasmBackend({ threads: 1 }));
const session = await loadSession('weights/default');
const records = readFileSync(path.join(split, 'question_colour.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
for (const r of records.slice(100)) {
  if (r.objects.length < 3) continue;
  const image = upscale(readImageFile(path.join(split, 'images', r.image)), SCALE);
  const box = r.bbox.map((v: number) => v * SCALE) as [number, number, number, number];
  const question = r.question.replace(' <location>', '');
  const res = await askAboutRegion(session, { image, question, regions: [{ type: 'box', box }] }, options);
  const ok = res.controlled.text.includes(r.answer) && !res.baseline!.text.includes(r.answer);
  console.log(r.id, `baseline "${res.baseline!.text}" controlled "${res.controlled.text}" answer ${r.answer}${ok ? '  ← picked' : ''}`);
  if (!ok) continue;
  const shape = r.objects[r.object_index].shape;
  writeFileSync('weights/default/sample.png', encodePng(image));
  writeFileSync('weights/default/demo.json', `${JSON.stringify({ image: 'sample.png', question, box, expected: `${r.answer} ${shape}`, source: `${r.id} (val split, seed 2001), upscaled ×${SCALE}`, options }, null, 2)}\n`);
  break;
}
process.exit(0);
