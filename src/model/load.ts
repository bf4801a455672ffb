/**
 * The strict LLaVA weight loader (browser-safe; files on disk: load-node.ts).
 *
 *   parameterSpecs(config)           every checkpoint name the module tree holds, with its shape (no allocation)
 *   sanitize(name)                   the ONE place checkpoint names are bent (newer transformers layout → llava-hf)
 *   checkWeights(source, config)     missing / unexpected / mis-shaped / non-float tensors, all at once
 *   loadLlavaFromSource(src, cfg)    checks, then builds a new model from exactly those tensors
 *
 * Any stored float dtype (F32, F16, BF16, F64) is decoded by the reader: exactly to float32 (F64 rounds),
 * or exactly to float64 with { dtype: 'float64' } (for finite-difference checks).
 */
import { parseLlavaConfig, type LlavaConfig } from './config.js';
import { Params } from './layers.js';
import { HalfWeight } from '../tensor/half.js';
import { LlavaForConditionalGeneration } from './llava.js';
import type { TensorSource } from '../safetensors/index.js';
import type { Backend } from '../kernels/backend.js';
import { cpu } from '../kernels/cpu/index.js';
import { forgetOnReuse } from '../tensor/arena.js';
import { Tensor, getBackend } from '../tensor/index.js';

export interface ParamSpec {
  name: string;
  shape: number[];
}

/** The module tree's checkpoint names and shapes, in construction order, without allocating weights. */
export function parameterSpecs(config: LlavaConfig): ParamSpec[] {
  return specsOf((p) => new LlavaForConditionalGeneration(p, config));
}

/** The checkpoint names and shapes a module tree built by `build` takes, without allocating weights. */
export function specsOf(build: (p: Params) => unknown): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const placeholder = Tensor.of(new Float32Array(0), [0], cpu); // never computed with
  build(new Params((name, shape) => {
    specs.push({ name, shape: [...shape] });
    return placeholder;
  }));
  return specs;
}

/** Keys a checkpoint may hold that carry no weights (non-persistent buffers in older exports). */
const IGNORED = [/\.rotary_emb\.inv_freq$/, /^vision_tower\.vision_model\.embeddings\.position_ids$/];

/**
 * A checkpoint name in the llava-hf layout, or null for a key to skip. Newer transformers (≥ ~4.52,
 * SPEC-llava.md §2.2) store `model.vision_tower.*`, `model.multi_modal_projector.*`,
 * `model.language_model.*` (a bare LlamaModel) and `lm_head.weight`.
 */
export function sanitize(name: string): string | null {
  let n = name;
  if (n.startsWith('model.vision_tower.') || n.startsWith('model.multi_modal_projector.')) n = n.slice('model.'.length);
  else if (n.startsWith('model.language_model.')) n = `language_model.model.${n.slice('model.language_model.'.length)}`;
  else if (n.startsWith('lm_head.')) n = `language_model.${n}`;
  return IGNORED.some((re) => re.test(n)) ? null : n;
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

export interface WeightProblems {
  missing: ParamSpec[];
  unexpected: { name: string; shape: number[] }[];
  misshaped: { name: string; stored: string; expected: number[]; actual: number[] }[];
  badDtype: { name: string; dtype: string }[];
  /** Model name → checkpoint name, for the tensors that matched. */
  matched: Map<string, string>;
}

/** Compares a checkpoint's tensors with the module tree; collects every problem, sorted by name. */
export function checkWeights(source: TensorSource, config: LlavaConfig): WeightProblems {
  return matchWeights(source, parameterSpecs(config), sanitize);
}

/** Compares a checkpoint's tensors (names bent by `rename`, null = skip) with `specs`; collects every problem. */
export function matchWeights(source: TensorSource, specs: readonly ParamSpec[], rename: (stored: string) => string | null): WeightProblems {
  const byModel = new Map<string, string>(); // model name → stored name
  const unexpected: WeightProblems['unexpected'] = [];
  const wanted = new Set(specs.map((s) => s.name));
  for (const stored of source.names()) {
    const name = rename(stored);
    if (name === null) continue;
    const other = byModel.get(name);
    if (other !== undefined) throw new Error(`checkpoint holds "${name}" twice: as "${other}" and as "${stored}" (mixed layouts?)`);
    if (!wanted.has(name)) unexpected.push({ name: stored, shape: source.info(stored).shape });
    else byModel.set(name, stored);
  }
  const missing: ParamSpec[] = [];
  const misshaped: WeightProblems['misshaped'] = [];
  const badDtype: WeightProblems['badDtype'] = [];
  for (const spec of specs) {
    const stored = byModel.get(spec.name);
    if (stored === undefined) {
      missing.push(spec);
      continue;
    }
    const info = source.info(stored);
    if (!sameShape(info.shape, spec.shape)) misshaped.push({ name: spec.name, stored, expected: spec.shape, actual: info.shape });
    if (!FLOAT_DTYPES.has(info.dtype)) badDtype.push({ name: stored, dtype: info.dtype });
  }
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { missing: missing.sort(byName), unexpected: unexpected.sort(byName), misshaped: misshaped.sort(byName), badDtype: badDtype.sort(byName), matched: byModel };
}

/** All loading problems in one error; `problems` keeps the groups for programs. */
export class WeightLoadError extends Error {
  constructor(readonly source: string, readonly problems: WeightProblems, family = 'LLaVA') {
    super(formatProblems(source, problems, family));
    this.name = 'WeightLoadError';
  }
}

/** Rows listed per problem group; the rest are counted. */
const MAX_LISTED = 50;

export function formatProblems(source: string, p: WeightProblems, family = 'LLaVA'): string {
  const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
  const counts = [
    `${p.missing.length} missing`, `${p.unexpected.length} unexpected`, `${p.misshaped.length} mis-shaped`,
    ...(p.badDtype.length ? [`${p.badDtype.length} with a non-float dtype`] : []),
  ];
  const lines = [`cannot load ${family} weights from ${source}: ${counts.join(', ')}`];
  const group = (title: string, rows: string[]) => {
    if (rows.length === 0) return;
    lines.push(`${title} (${rows.length}):`);
    for (const r of rows.slice(0, MAX_LISTED)) lines.push(`  ${r}`);
    if (rows.length > MAX_LISTED) lines.push(`  … and ${rows.length - MAX_LISTED} more`);
  };
  group('missing', p.missing.map((m) => `${m.name} ${fmt(m.shape)}`));
  group('unexpected', p.unexpected.map((u) => `${u.name} ${fmt(u.shape)}`));
  group('mis-shaped', p.misshaped.map((m) => `${m.name}${m.stored !== m.name ? ` (stored as ${m.stored})` : ''}: checkpoint ${fmt(m.actual)}, model expects ${fmt(m.expected)}`));
  group('non-float dtype', p.badDtype.map((b) => `${b.name}: ${b.dtype}`));
  return lines.join('\n');
}

const hasProblems = (p: WeightProblems) => p.missing.length + p.unexpected.length + p.misshaped.length + p.badDtype.length > 0;

export interface LoadOptions {
  /** Compute dtype of the loaded weights (default float32). */
  dtype?: 'float32' | 'float64';
  /** Names the source in errors (default: the first tensor's file). */
  label?: string;
  /**
   * Keep F16/BF16 Linear weights and the token embedding as their 2-byte bits, widened inside the matmul
   * (or, for the embedding, row by row as tokens are looked up): a 7B checkpoint then needs ~14 GB instead
   * of ~28 GB. Norms, biases and the vision embeddings are widened at load; float32 compute only.
   */
  halfWeights?: boolean;
  /** The backend the weights live on (default: the default backend, `setBackend`). */
  backend?: Backend;
}

/**
 * Builds a LLaVA model from `source` after checking every name and shape; throws one WeightLoadError
 * listing all problems, and returns nothing half-loaded (the model object exists only on success).
 * `config` is a parsed config, or config.json's text or JSON value.
 */
export function loadLlavaFromSource(source: TensorSource, config: LlavaConfig | string | object, opts: LoadOptions = {}): LlavaForConditionalGeneration {
  const cfg = isParsed(config) ? config : parseLlavaConfig(config);
  return buildFromSource(source, { family: 'LLaVA', specs: parameterSpecs(cfg), rename: sanitize, build: (p) => new LlavaForConditionalGeneration(p, cfg) }, opts);
}

/** What a model family gives the strict loader: its names, how stored names are bent, and its constructor. */
export interface ModelRecipe<M> {
  family: string;
  specs: readonly ParamSpec[];
  rename: (stored: string) => string | null;
  build: (p: Params) => M;
}

/** Checks every name and shape of `source` against the recipe, then builds the model (nothing half-loaded). */
export function buildFromSource<M>(source: TensorSource, recipe: ModelRecipe<M>, opts: LoadOptions = {}): M {
  const label = opts.label ?? sourceLabel(source);
  const problems = matchWeights(source, recipe.specs, recipe.rename);
  if (hasProblems(problems)) throw new WeightLoadError(label, problems, recipe.family);
  if (opts.halfWeights && opts.dtype === 'float64') throw new Error(`${label}: halfWeights computes in float32; it cannot be combined with dtype float64`);
  const backend = opts.backend ?? getBackend();
  forgetOnReuse(backend);
  const read = opts.dtype === 'float64' ? (n: string) => source.readFloat64(n) : (n: string) => source.readFloat32(n);
  const take = (name: string, shape: readonly number[]) => Tensor.of(read(problems.matched.get(name)!), shape, backend); // present: checked above
  const takeMatrix = (name: string, shape: readonly [number, number]) => {
    const stored = problems.matched.get(name)!;
    const { dtype } = source.info(stored);
    if (!opts.halfWeights || (dtype !== 'F16' && dtype !== 'BF16')) return take(name, shape);
    return new HalfWeight(source.read(stored).data as Uint16Array, shape, dtype === 'F16' ? 'f16' : 'bf16', backend);
  };
  return recipe.build(new Params(take, '', takeMatrix));
}

function isParsed(c: unknown): c is LlavaConfig {
  const t = (c as LlavaConfig | null)?.text_config;
  return typeof c === 'object' && c !== null && typeof t === 'object' && t !== null && Array.isArray((c as LlavaConfig).vision_feature_layer) && typeof t.head_dim === 'number';
}

function sourceLabel(source: TensorSource): string {
  const names = source.names();
  const idx = (source as { indexName?: string }).indexName;
  return idx ?? (names.length ? source.info(names[0]).file : '(empty checkpoint)');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
