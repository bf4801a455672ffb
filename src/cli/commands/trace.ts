/**
 * `controlmllm trace`: runs LLaVA on given input ids and pixel values and writes every intermediate to a
 * safetensors file, with the names, meanings and shapes of test/fixtures/tiny-llava/fixture.json:
 *
 *   vision_hidden_states.i [1,N+1,C_vis]   vision_selected_features [1,N,C_vis]   image_features [1,N,C]
 *   merged_inputs_embeds [1,T,C]   decoder_hidden_states.i [1,T,C]   attentions.i [1,H,T,T]   logits [1,T,V]
 *   image_token_positions [N] (I64)   greedy_new_tokens [1,n] (I64, with --new-tokens n)
 *
 * Floats are written as F32. The steps are small functions (readTraceRequest, traceForward, traceGreedy)
 * so that more inputs (an image, a question) and ControlMLLM outputs can be added next to them.
 * Exit status: 0 ok, 1 the run failed (files, weights, shapes), 2 usage error.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandIO } from '../command.js';
import { openSafetensorsFile } from '../../safetensors/node.js';
import type { TensorToWrite } from '../../safetensors/index.js';
import { SafetensorsSpool } from '../../safetensors/spool-node.js';
import { checkOutputPath } from '../../io/output-file-node.js';
import { Tensor, fromArray } from '../../tensor/index.js';
import type { AskOptions } from '../../controlmllm/pipeline.js';
import { modelFamily } from '../../controlmllm/session-node.js';
import { askOptionSpec, askOptionsFromFlags } from '../ask-args.js';
import { backendOption, useBackend } from '../backend-args.js';
import type { PixelsOptions } from '../pixels-args.js';
import { numberFlag, withNegativeValues } from '../flags.js';
import { traceEnergy, traceOptimize, type EnergyMode, type TraceTarget } from './trace-controlmllm.js';
import { traceLlava } from './trace-llava.js';
import { traceQwen } from './trace-qwen.js';

const USAGE = `usage: controlmllm trace --model DIR (--input-ids IDS --pixel-values FILE[:NAME] [--image-grid-thw t,h,w] | --image IMG --question "…" [--pad-to-square])
                         --out OUT.safetensors [--new-tokens N]
                         [--region-mask FILE[:NAME] (--energy v1|last|pp | --optimize v1|pp [optimiser flags])]

Runs the LLaVA or Qwen2.5-VL model in DIR (config.json + safetensors weights) and writes every
intermediate to OUT.safetensors, named as in the family's fixture (LLaVA: vision hidden states, selected
features, image features, merged embeddings, decoder hidden states, attention probabilities, logits,
image token positions; Qwen2.5-VL: vision_patch_embed, vision_blocks.i, image_embeds, position_ids,
rope_deltas, merged_inputs_embeds, decoder_hidden_states.i, attentions.i, logits).

options:
  --model DIR              the model folder
  --input-ids IDS          comma-separated prompt ids with one image token (or N of them), e.g. 1,23,98,57
  --pixel-values FILE:NAME a [1,3,H,W] tensor in a safetensors file (NAME defaults to pixel_values);
                           for a Qwen2.5-VL folder the processor's [N, 1176] patches
  --image-grid-thw t,h,w   Qwen2.5-VL: the image grid in patches (required with --pixel-values)
  --min-pixels/--max-pixels  Qwen2.5-VL with --image: the processor's area bounds
  --out FILE               the output .safetensors file
  --new-tokens N           also decode N greedy tokens with the KV cache (greedy_new_tokens)
  --image IMG --question Q instead of ids and pixels: preprocess, tokenise with the chat template, and
                           also write pixel_values and input_ids (--pad-to-square: original LLaVA padding)
  --region-mask FILE:NAME  ControlMLLM region weights ([N] or [g,g]; NAME defaults to region_mask)
  --energy v1|last|pp      write energy (E), energy_grad_z and attn_to_image for the zero latent
  --optimize v1|pp         run the optimiser and write losses (α·E per step), final_delta and tokens
                           (--new-tokens of them, default 5); flags as in 'controlmllm ask':
                           --steps --alpha --lr --beta --early-stop PCT|off --accumulate --layers a-b --eps
  --backend NAME           cpu, wasm[:threads] (default) or gpujs[:mode]
  --wasm-arrays-mib N      MiB of tensor storage the wasm backend keeps in its memory (default 512; 0: less memory, slower)
  --half-weights           keep F16/BF16 weights at 2 bytes per parameter (a 7B in ~14 GB)
  -h, --help               show this help`;

const OPTIONS = {
  model: { type: 'string' },
  'input-ids': { type: 'string' },
  'pixel-values': { type: 'string' },
  'image-grid-thw': { type: 'string' },
  out: { type: 'string' },
  'new-tokens': { type: 'string' },
  image: { type: 'string' },
  question: { type: 'string' },
  'region-mask': { type: 'string' },
  energy: { type: 'string' },
  optimize: { type: 'string' },
  eps: { type: 'string' },
  ...askOptionSpec,
  ...backendOption,
  'half-weights': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A mistake in the command line (exit status 2). */
export class UsageError extends Error {}

export interface TraceRequest {
  model: string;
  input:
    | { kind: 'tensors'; inputIds: number[]; pixels: { file: string; name: string }; gridThw?: [number, number, number] }
    | { kind: 'image'; image: string; question: string; padToSquare: boolean };
  out: string;
  newTokens: number;
  region?: { file: string; name: string };
  energy?: EnergyMode;
  optimize?: 'v1' | 'pp';
  options: AskOptions;
  pixels: PixelsOptions;
  backend?: string;
  /** `--wasm-arrays-mib` (backend-args.ts). */
  wasmArraysMiB?: string;
  halfWeights: boolean;
}

/** `1,23,57` (spaces and surrounding brackets allowed) → ids. */
export function parseIdList(flag: string, text: string): number[] {
  const body = text.trim().replace(/^\[(.*)\]$/s, '$1').trim();
  if (body === '') throw new UsageError(`${flag}: no ids given`);
  return body.split(',').map((part) => {
    const s = part.trim();
    if (!/^\d+$/.test(s)) throw new UsageError(`${flag}: "${s}" is not a token id (expected comma-separated non-negative integers)`);
    return Number(s);
  });
}

/** `FILE:NAME` or `FILE` (NAME = pixel_values); the name is what follows the last ':' when it has no path separator. */
export function parseTensorRef(flag: string, text: string, dflt: string): { file: string; name: string } {
  const at = text.lastIndexOf(':');
  const tail = text.slice(at + 1);
  if (at > 1 && tail !== '' && !/[\\/]/.test(tail)) return { file: text.slice(0, at), name: tail };
  if (text === '') throw new UsageError(`${flag}: no file given`);
  return { file: text, name: dflt };
}

/** `t,h,w` (Qwen2.5-VL's image_grid_thw, in patches). */
export function parseGridThw(text: string): [number, number, number] {
  const parts = parseIdList('--image-grid-thw', text);
  if (parts.length !== 3 || parts.some((x) => x === 0)) throw new UsageError(`--image-grid-thw: expected three positive integers t,h,w, got "${text}"`);
  return parts as [number, number, number];
}

function parseCount(flag: string, text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

export function readTraceRequest(argv: string[]): TraceRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: withNegativeValues(argv, OPTIONS), options: OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see 'controlmllm trace --help')`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const need = (flag: 'model' | 'input-ids' | 'pixel-values' | 'out' | 'question', what: string) => {
    const value = v[flag];
    if (value === undefined) throw new UsageError(`--${flag} ${what} is required`);
    return value;
  };
  if (v.image !== undefined && (v['input-ids'] !== undefined || v['pixel-values'] !== undefined)) {
    throw new UsageError('give either --image/--question or --input-ids/--pixel-values, not both');
  }
  const input: TraceRequest['input'] =
    v.image !== undefined
      ? { kind: 'image', image: v.image, question: need('question', '"…" (with --image)'), padToSquare: Boolean(v['pad-to-square']) }
      : {
          kind: 'tensors', inputIds: parseIdList('--input-ids', need('input-ids', 'IDS')), pixels: parseTensorRef('--pixel-values', need('pixel-values', 'FILE:NAME'), 'pixel_values'),
          ...(v['image-grid-thw'] === undefined ? {} : { gridThw: parseGridThw(v['image-grid-thw']) }),
        };
  const energy = oneOf('--energy', v.energy, ['v1', 'last', 'pp'] as const);
  const optimize = oneOf('--optimize', v.optimize, ['v1', 'pp'] as const);
  if ((energy || optimize) && !v['region-mask']) throw new UsageError('--energy and --optimize need --region-mask FILE:NAME');
  let options: AskOptions;
  try {
    options = { ...askOptionsFromFlags(v), eps: numberFlag(v.eps, '--eps', { min: 0, max: 1, aboveMin: true }) };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    model: need('model', 'DIR'),
    input,
    out: need('out', 'FILE'),
    newTokens: parseCount('--new-tokens', v['new-tokens']),
    region: v['region-mask'] ? parseTensorRef('--region-mask', v['region-mask'], 'region_mask') : undefined,
    energy,
    optimize,
    options,
    pixels: { minPixels: options.minPixels, maxPixels: options.maxPixels },
    backend: v.backend,
    wasmArraysMiB: v['wasm-arrays-mib'],
    halfWeights: Boolean(v['half-weights']),
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

/** A float32 tensor from a safetensors file (any float dtype). */
export function readTensor(ref: { file: string; name: string }): Tensor {
  const f = openSafetensorsFile(ref.file);
  if (!f.has(ref.name)) throw new Error(`${ref.file}: no tensor "${ref.name}" (it holds: ${f.names().slice(0, 10).join(', ')}${f.names().length > 10 ? ', …' : ''})`);
  return fromArray(f.readFloat32(ref.name), f.info(ref.name).shape);
}

/** F32 entry over the tensor's own memory when it is contiguous float32 (no copy: a 7B trace is ~2 GB). */
export const f32 = (name: string, t: Tensor): TensorToWrite => ({
  name,
  dtype: 'F32',
  shape: [...t.shape],
  data: t.isContiguous && t.data instanceof Float32Array ? t.data.subarray(t.offset, t.offset + t.size) : Float32Array.from(t.toTypedArray()),
});
export const i64 = (name: string, shape: number[], ids: readonly number[]): TensorToWrite => ({ name, dtype: 'I64', shape, data: BigInt64Array.from(ids, (x) => BigInt(x)) });

/** The forward pass with every intermediate, plus the merged embeddings for later steps. */
async function run(argv: string[], io: CommandIO): Promise<number> {
  let request: TraceRequest | 'help';
  try {
    request = readTraceRequest(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`controlmllm trace: ${e.message}\n`);
    return 2;
  }
  if (request === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let release = () => {};
  try {
    checkOutputPath(request.out);
    release = await useBackend(request.backend, io.stderr, request.wasmArraysMiB);
    // tensors go to the file as they are made (a 7B's attention maps are 1.5 GB); it appears when all are written
    const spool = new SafetensorsSpool(request.out);
    try {
      const add = (t: TensorToWrite) => spool.add(t);
      if (modelFamily(request.model) === 'qwen2_5_vl') (await traceQwen(request)).forEach(add);
      else await traceLlava(request, add);
      spool.finish({ format: 'pt', producer: 'controlmllm trace' });
    } finally {
      spool.abort();
    }
    io.stdout(`wrote ${spool.count} tensors to ${request.out}\n`);
    return 0;
  } catch (e) {
    io.stderr(`controlmllm trace: ${(e as Error).message}\n`);
    return 1;
  } finally {
    release();
  }
}

/** --energy / --optimize on the region mask (either family). */
export function traceMethod(request: TraceRequest, target: TraceTarget, ids: readonly number[], features: Tensor): TensorToWrite[] {
  if (!request.region) return [];
  const region = readTensor(request.region).toTypedArray() as Float32Array;
  return [
    ...(request.energy ? traceEnergy(target, ids, features, region, request.energy, request.options) : []),
    ...(request.optimize ? traceOptimize(target, ids, features, region, request.optimize, request.options, request.newTokens || 5) : []),
  ];
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'run LLaVA or Qwen2.5-VL on ids + pixel values and write every intermediate to safetensors',
  usage: USAGE,
  run,
};
