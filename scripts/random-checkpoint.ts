/**
 * A LLaVA checkpoint with random weights and a real checkpoint's config, names, shapes and half-precision
 * storage (e.g. llava-1.5-7b-hf: 7,063,427,072 parameters in 3 F16 shards), for measuring load time,
 * memory and speed at full scale without downloading 14 GB. Used by make-random-checkpoint.ts.
 *
 * Names and shapes come from the module tree (`parameterSpecs(config)`); shard assignment from the source
 * directory's model.safetensors.index.json when it has one, else `shards` equal-sized groups in order.
 * Every tensor is streamed through the project's safetensors writer in chunks, so memory stays at one
 * chunk. Values: norm weights (and Qwen's merger `ln_q`) 1, biases 0, everything else uniform with std
 * 0.02 drawn from a per-tensor xorshift stream (deterministic for a given `seed`). Tokenizer, processor and
 * config files are copied. `writeRandomShards` and `equalShards` also serve random-qwen-checkpoint.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLlavaConfig } from '../src/model/load-node.js';
import { parameterSpecs, type ParamSpec } from '../src/model/load.js';
import { f32ToBf16, f32ToF16 } from '../src/safetensors/half.js';
import { streamSafetensorsFile } from '../src/safetensors/node.js';

export interface RandomCheckpointOptions {
  /** Stored dtype (default F16). */
  dtype?: 'F16' | 'BF16';
  /** Shard count when the source has no index (default 1). */
  shards?: number;
  seed?: number;
  /** Called after each shard is written. */
  progress?: (file: string, bytes: number) => void;
}

interface Entry extends ParamSpec {
  dtype: 'F16' | 'BF16';
}

const INDEX = 'model.safetensors.index.json';
const STD = 0.02;

/** Writes `outDir` (created; must not already hold a checkpoint) from `srcDir`'s config; returns the shard files. */
export function writeRandomCheckpoint(srcDir: string, outDir: string, opts: RandomCheckpointOptions = {}): string[] {
  const config = readLlavaConfig(srcDir);
  const groups = shardGroups(srcDir, parameterSpecs(config), opts.shards ?? 1);
  writeRandomShards(outDir, groups, opts.dtype ?? 'F16', opts);
  for (const f of fs.readdirSync(srcDir)) {
    if (f === INDEX || f.endsWith('.safetensors')) continue;
    if (fs.statSync(path.join(srcDir, f)).isFile()) fs.copyFileSync(path.join(srcDir, f), path.join(outDir, f));
  }
  return [...groups.keys()];
}

/**
 * Streams random values for `groups` (shard file → its parameters) into `outDir` (created) and writes the
 * index. Refuses, before writing anything, when `outDir` already holds the index, model.safetensors, one of
 * the shards or one of `alsoWritten` (files the caller writes afterwards).
 */
export function writeRandomShards(outDir: string, groups: Map<string, ParamSpec[]>, dtype: 'F16' | 'BF16', opts: RandomCheckpointOptions = {}, alsoWritten: string[] = []): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of [INDEX, 'model.safetensors', ...groups.keys(), ...alsoWritten]) {
    if (fs.existsSync(path.join(outDir, f))) throw new Error(`${path.join(outDir, f)} already exists; refusing to overwrite a checkpoint`);
  }
  const tables = uniformTables(dtype);
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  for (const [file, group] of groups) {
    const entries: Entry[] = group.map((s) => ({ ...s, dtype }));
    streamSafetensorsFile(path.join(outDir, file), entries, (e, chunk, first) => fillChunk(e, chunk, first, tables, opts.seed ?? 0), { format: 'pt' });
    const bytes = entries.reduce((n, e) => n + 2 * e.shape.reduce((p, d) => p * d, 1), 0);
    for (const e of entries) weightMap[e.name] = file;
    totalBytes += bytes;
    opts.progress?.(file, bytes);
  }
  const index = { metadata: { total_size: totalBytes }, weight_map: Object.fromEntries(Object.entries(weightMap).sort()) };
  fs.writeFileSync(path.join(outDir, INDEX), JSON.stringify(index, null, 2) + '\n');
}

/** Shard file → its parameters: the source index's assignment, or `n` groups of about equal bytes. */
function shardGroups(srcDir: string, specs: ParamSpec[], n: number): Map<string, ParamSpec[]> {
  const indexFile = path.join(srcDir, INDEX);
  if (!fs.existsSync(indexFile)) return equalShards(specs, n);
  const weightMap = (JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
  const missing = specs.filter((s) => !(s.name in weightMap)).map((s) => s.name);
  if (missing.length) throw new Error(`${indexFile}: weight_map lacks ${missing.length} parameters of the config (${missing.slice(0, 3).join(', ')}...)`);
  const groups = new Map<string, ParamSpec[]>();
  for (const s of specs) (groups.get(weightMap[s.name]) ?? groups.set(weightMap[s.name], []).get(weightMap[s.name])!).push(s);
  return groups;
}

/** `n` shards `model-0000k-of-0000n.safetensors` of about equal bytes, parameters in order. */
export function equalShards(specs: ParamSpec[], n: number): Map<string, ParamSpec[]> {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`shards must be a positive integer, got ${n}`);
  const size = (s: ParamSpec) => s.shape.reduce((p, d) => p * d, 1);
  const total = specs.reduce((t, s) => t + size(s), 0);
  const groups = new Map<string, ParamSpec[]>();
  let done = 0;
  for (const s of specs) {
    const file = `model-${String(Math.min(n - 1, Math.floor((done / total) * n)) + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    (groups.get(file) ?? groups.set(file, []).get(file)!).push(s);
    done += size(s);
  }
  return groups;
}

/** 65536 half-precision values spread uniformly over [-a, a] (std 0.02), indexed by 16 random bits. */
function uniformTables(dtype: 'F16' | 'BF16'): { uniform: Uint16Array; one: number } {
  const encode = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  const a = STD * Math.sqrt(3);
  const uniform = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) uniform[i] = encode(a * ((2 * (i + 0.5)) / 65536 - 1));
  return { uniform, one: encode(1) };
}

/** Per-tensor xorshift32 state, carried from chunk to chunk (chunks of one tensor arrive in order). */
const streams = new Map<string, number>();

function fillChunk(e: Entry, chunk: Uint8Array, first: number, t: { uniform: Uint16Array; one: number }, seed: number): void {
  const out = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 2);
  if (/(norm\d?|ln_q)\.weight$/.test(e.name)) return void out.fill(t.one);
  if (e.name.endsWith('.bias')) return void out.fill(0);
  let x = first === 0 ? hash(e.name, seed) : streams.get(e.name)!;
  const u = t.uniform;
  for (let i = 0; i + 1 < out.length; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = u[x & 0xffff];
    out[i + 1] = u[(x >>> 16) & 0xffff];
  }
  if (out.length % 2) out[out.length - 1] = u[x & 0xffff];
  streams.set(e.name, x);
}

/** FNV-1a of the name mixed with the seed; never 0 (xorshift's fixed point). */
function hash(name: string, seed: number): number {
  let h = (2166136261 ^ seed) | 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h | 1;
}
