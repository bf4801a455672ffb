/**
 * `controlmllm demo` (what `npm start` runs): ControlMLLM on the bundled default model and its sample
 * image — a box around one object, a question about "the object" — printing the baseline answer, the
 * controlled answer, the energy per step and timings, and writing the two attention heatmaps.
 * The sample and the tuned settings live in weights/default/demo.json.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readJsonFile } from '../../io/json-node.js';
import { readImageFile } from '../../io/image-node.js';
import { askAboutRegion, type AskOptions } from '../../controlmllm/pipeline.js';
import { loadSession } from '../../controlmllm/session-node.js';
import type { Command, CommandIO } from '../command.js';
import { backendOption, useBackend } from '../backend-args.js';
import { writeHeatmaps } from '../heatmap-files.js';

interface DemoSpec {
  image: string;
  question: string;
  box: [number, number, number, number];
  /** What the referred object is (printed for comparison). */
  expected?: string;
  options?: AskOptions;
}

/** weights/default, found from the bundle (dist/cli.js) or the sources (src/cli/commands/demo.ts). */
export function defaultModelDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', '../..', '../../..']) {
    const dir = path.resolve(here, up, 'weights', 'default');
    if (existsSync(path.join(dir, 'config.json'))) return dir;
  }
  throw new Error(`the bundled default model (weights/default) was not found above ${here}`);
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'ControlMLLM on the bundled default model and its sample image (npm start)',
  usage: 'usage: controlmllm demo [--model DIR] [--out DIR] [--backend cpu|wasm[:threads]|gpujs[:mode]]   (DIR/demo.json names the sample image, question and box)',
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({ args: argv, strict: true, options: { model: { type: 'string' }, out: { type: 'string' }, ...backendOption } });
    const dir = v.model ?? defaultModelDir();
    const specFile = path.join(dir, 'demo.json');
    const spec = readJsonFile(specFile) as DemoSpec;
    const out = v.out ?? 'demo-output';
    mkdirSync(out, { recursive: true });
    const release = await useBackend(v.backend, io.stderr, v['wasm-arrays-mib']);
    try {
      return await runDemo(dir, spec, out, io);
    } finally {
      release();
    }
  },
};

/** Loads the bundled model, runs the sample, prints the comparison and writes the heatmaps. */
async function runDemo(dir: string, spec: DemoSpec, out: string, io: CommandIO): Promise<number> {
  const t0 = performance.now();
  const session = await loadSession(dir);
  const image = readImageFile(path.join(dir, spec.image));
  io.stdout(`model: ${dir} (backend ${session.model.backend.name}, loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s)\n`);
  io.stdout(`image: ${spec.image} (${image.width}×${image.height}), box [${spec.box.join(', ')}] around ${spec.expected ? `the ${spec.expected}` : 'one object'}\n`);
  io.stdout(`question: ${spec.question}\n\n`);
  const result = await askAboutRegion(session, { image, question: spec.question, regions: [{ type: 'box', box: spec.box }] }, {
    ...spec.options,
    onStep: (s) => io.stdout(`  step ${s.step + 1}: energy ${s.loss.toPrecision(4)}, attention inside the box ${(100 * s.insideRatio).toFixed(1)}% (${s.seconds.toFixed(2)} s)\n`),
  });
  const files = await writeHeatmaps(path.join(out, 'attention'), image, result);
  const t = result.timings;
  const line = (label: string, text: string) => io.stdout(`${label.padEnd(32)} ${text}\n`);
  io.stdout('\n');
  line('baseline answer (no region):', result.baseline?.text ?? '');
  line(`ControlMLLM${result.method === 'pp' ? '++' : ' v1'} answer (box):`, result.controlled.text);
  if (spec.expected) line('the boxed object is:', spec.expected);
  io.stdout(`\nattention inside the box: ${(100 * result.insideRatio.before).toFixed(1)}% → ${(100 * result.insideRatio.after).toFixed(1)}%\n`);
  io.stdout(`timings: image ${t.encode.toFixed(2)} s, baseline ${t.baseline.toFixed(2)} s, optimisation ${t.optimize.toFixed(2)} s (${result.steps} steps), controlled ${t.controlled.toFixed(2)} s\n`);
  io.stdout(`heatmaps: ${files.join(', ')}\n`);
  return 0;
}
