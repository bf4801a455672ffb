/**
 * `controlmllm ask`: baseline answer, ControlMLLM optimisation with a progress line per step, the
 * controlled answer, timings, and attention heatmaps before/after (same colour scale) as PNGs.
 */
import { parseArgs } from 'node:util';
import type { RgbImage } from '../../io/image.js';
import type { VisualPrompt } from '../../controlmllm/regions.js';
import { readImageFile } from '../../io/image-node.js';
import { checkOutputPath } from '../../io/output-file-node.js';
import { AskFailure, askAboutRegion, type AskOptions, type AskResult } from '../../controlmllm/pipeline.js';
import { loadSession } from '../../controlmllm/session-node.js';
import type { Command, CommandIO } from '../command.js';
import { regionsFromFlags } from '../regions-args.js';
import { withNegativeValues } from '../flags.js';
import { askOptionSpec, askOptionsFromFlags } from '../ask-args.js';
import { heatmapFile, writeHeatmaps } from '../heatmap-files.js';
import { backendOption, useBackend } from '../backend-args.js';

const usage = `usage: controlmllm ask --model DIR --image IMG --question "…" (--box x,y,w,h | --mask FILE.png | --scribble FILE.json | --point x,y)
        [--box-format xywh|xyxy] [--method v1|pp] [--steps T] [--alpha A] [--lr L] [--beta B] [--early-stop PCT|off]
        [--accumulate] [--sigma S] [--layers all|last|a-b|a,b] [--max-new-tokens N] [--pad-to-square] [--contrastive alpha,beta]
        [--heatmap OUT_PREFIX] [--json] [--backend cpu|wasm[:threads]|gpujs[:mode]] [--wasm-arrays-mib N] [--half-weights]
        [--min-pixels N] [--max-pixels N]

Answers the question without the region (baseline), then optimises a latent on the visual tokens so the
prompt's attention falls inside the region (ControlMLLM v1 or ++), and answers again.
--box may be repeated (several regions: their energies are summed).
Qwen2.5-VL folders: boxes only (as the official ControlMLLM++ code); --min-pixels / --max-pixels bound the
resized image's area (the official evaluation uses --max-pixels 401408 = 512·28·28): fewer pixels, fewer
image tokens, faster on a CPU.`;

const ASK_FLAGS = {
  model: { type: 'string' },
  image: { type: 'string' },
  question: { type: 'string' },
  box: { type: 'string', multiple: true },
  'box-format': { type: 'string' },
  mask: { type: 'string' },
  scribble: { type: 'string' },
  point: { type: 'string' },
  heatmap: { type: 'string' },
  json: { type: 'boolean' },
  ...backendOption,
  'half-weights': { type: 'boolean' },
  ...askOptionSpec,
} as const;

export const askCommand: Command = {
  name: 'ask',
  summary: 'answer about a region: baseline vs ControlMLLM, energies, heatmaps',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({
      args: withNegativeValues(argv, ASK_FLAGS),
      strict: true,
      allowPositionals: false,
      options: ASK_FLAGS,
    });
    for (const flag of ['model', 'image', 'question'] as const) if (!v[flag]) throw new Error(`--${flag} is required\n${usage}`);
    const regions = regionsFromFlags(v);
    const opts = askOptionsFromFlags(v);
    if (v.heatmap) for (const which of ['before', 'after'] as const) checkOutputPath(heatmapFile(v.heatmap, which));
    const image = readImageFile(v.image!);
    const json = Boolean(v.json);
    const release = await useBackend(v.backend, (s) => !json && io.stderr(s), v['wasm-arrays-mib']);
    try {
      return await answer(v, io, image, regions, opts, json);
    } finally {
      release();
    }
  },
};

/** Loads the model, runs the method with streamed output, writes the heatmaps; 1 when an answer or a file is missing. */
async function answer(v: { model?: string; question?: string; heatmap?: string; 'half-weights'?: boolean }, io: CommandIO, image: RgbImage, regions: VisualPrompt[], opts: AskOptions, json: boolean): Promise<number> {
  // A 7B load takes minutes: say what is happening, and how long it took (stderr, as the step lines).
  if (!json) io.stderr(`loading ${v.model}${v['half-weights'] ? ' (half weights)' : ''} …\n`);
  const t0 = performance.now();
  const session = await loadSession(v.model!, { halfWeights: v['half-weights'] });
  if (!json) io.stderr(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const say = (s: string) => !json && io.stdout(s);
  say(`model: ${v.model} (backend ${session.model.backend.name})\nquestion: ${v.question}\n`);
  let streaming: 'baseline' | 'controlled' | null = null;
  let result: AskResult;
  try {
    result = await askAboutRegion(session, { image, question: v.question!, regions }, {
      ...opts,
      onToken: (which, _t, text) => {
        if (streaming !== which) say(`${which === 'baseline' ? 'baseline:  ' : 'controlled:'} `);
        streaming = which;
        say(text);
      },
      onStep: (s) => {
        if (streaming) say('\n');
        streaming = null;
        if (!json) io.stderr(`step ${s.step + 1}  energy ${s.loss.toPrecision(5)}  inside ${(100 * s.insideRatio).toFixed(1)}%  (${s.seconds.toFixed(2)} s)\n`);
      },
    });
  } catch (e) {
    if (!(e instanceof AskFailure)) throw e;
    if (streaming) say('\n');
    return reportFailure(e, io, json);
  }
  if (streaming) say('\n');
  let files: string[] = [];
  let error: string | undefined;
  if (v.heatmap) {
    try {
      files = await writeHeatmaps(v.heatmap, image, result);
    } catch (e) {
      error = (e as Error).message;
    }
  }
  if (json) {
    io.stdout(`${JSON.stringify({ ...summary(result, files), ...(error ? { error } : {}) }, null, 2)}\n`);
    return error ? 1 : 0;
  }
  for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
  const t = result.timings;
  say(`baseline:   ${result.baseline?.text ?? '(skipped)'}\ncontrolled: ${result.controlled.text}\n`);
  say(`energy: ${result.losses.map((l) => l.toPrecision(4)).join(' → ')} (${result.steps} steps, ${result.stop})\n`);
  say(`image tokens: ${result.attention.rows}×${result.attention.cols} = ${result.attention.rows * result.attention.cols}\n`);
  say(`attention inside the region: ${(100 * result.insideRatio.before).toFixed(1)}% → ${(100 * result.insideRatio.after).toFixed(1)}%\n`);
  say(`timings: encode ${t.encode.toFixed(2)} s, baseline ${t.baseline.toFixed(2)} s, optimise ${t.optimize.toFixed(2)} s, controlled ${t.controlled.toFixed(2)} s, total ${t.total.toFixed(2)} s\n`);
  if (files.length) say(`heatmaps: ${files.join(', ')}\n`);
  if (error) io.stderr(`controlmllm ask: ${error}\n`);
  return error ? 1 : 0;
}

/** No controlled answer: what was computed (the baseline, the finite energies) and why, then status 1. */
function reportFailure(e: AskFailure, io: CommandIO, json: boolean): number {
  const p = e.partial;
  if (json) {
    const out = { prompt: p.prompt, method: p.method, baseline: p.baseline?.text ?? null, controlled: null, baselineTokens: p.baseline?.tokens ?? null, controlledTokens: null, energies: p.losses, steps: p.steps, stop: p.stop, warnings: p.warnings, error: e.message };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const w of p.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`baseline:   ${p.baseline?.text ?? '(skipped)'}\ncontrolled: (none)\n`);
  }
  io.stderr(`controlmllm ask: ${e.message}\n`);
  return 1;
}

/** A row-major N×N grid as N rows of numbers (JSON). */
const rows = (v: Float32Array, n: number) => Array.from({ length: n }, (_, r) => Array.from(v.subarray(r * n, (r + 1) * n)));

export function summary(r: AskResult, heatmaps: string[]) {
  return {
    prompt: r.prompt,
    method: r.method,
    baseline: r.baseline?.text ?? null,
    controlled: r.controlled.text,
    baselineTokens: r.baseline?.tokens ?? null,
    controlledTokens: r.controlled.tokens,
    energies: r.losses,
    /** One entry per optimisation step: what the page's energy plot and progress line show. */
    perStep: r.losses.map((energy, i) => ({ step: i + 1, energy, insideRatio: r.stepInsideRatios[i], seconds: r.stepSeconds[i] })),
    steps: r.steps,
    stop: r.stop,
    warnings: r.warnings,
    insideRatio: r.insideRatio,
    timings: r.timings,
    /** The visual-token grid: each region's weights and the pooled attention, row-major N×N. */
    grid: r.attention.grid,
    regions: r.regions.map((g) => ({ soft: g.soft, weights: rows(g.weights, g.grid) })),
    attention: { before: rows(r.attention.before, r.attention.grid), after: rows(r.attention.after, r.attention.grid) },
    heatmaps,
  };
}
