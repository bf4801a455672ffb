/**
 * A sharded checkpoint: `model.safetensors.index.json` ({"metadata": {...}, "weight_map": {name: shard}})
 * plus the shard files it names. Every listed shard is opened (headers only) and cross-checked against
 * the index: each tensor lives in exactly the shard the index says, and in no other; no shard holds a
 * tensor the index does not list.
 *
 * No Node imports: `openShard` decides where shard bytes come from (disk, fetch, memory).
 */
import { SafetensorsError, type ByteSource, type StoredTensor, type TensorInfo, type TensorSource } from './format.js';
import { SafetensorsFile } from './file.js';

export class ShardedCheckpoint implements TensorSource {
  /** The index's name, as given to {@link ShardedCheckpoint.open}. */
  readonly indexName: string;
  /** The index's `metadata` object ({} when absent), e.g. `{ total_size: 14126854144 }`. */
  readonly metadata: Record<string, unknown>;
  /** Shard file name (as written in the index) → opened file, in order of first mention. */
  readonly shards: ReadonlyMap<string, SafetensorsFile>;
  private readonly weightMap: Map<string, SafetensorsFile>;

  private constructor(indexName: string, metadata: Record<string, unknown>, shards: Map<string, SafetensorsFile>, weightMap: Map<string, SafetensorsFile>) {
    this.indexName = indexName;
    this.metadata = metadata;
    this.shards = shards;
    this.weightMap = weightMap;
  }

  /**
   * Parses the index text, opens every shard it names through `openShard` (a failure there is reported
   * as a SafetensorsError naming the index and the shard) and cross-checks index and shards.
   */
  static open(indexName: string, indexJson: string, openShard: (fileName: string) => ByteSource): ShardedCheckpoint {
    const fail = (detail: string, tensor?: string): never => {
      throw new SafetensorsError(indexName, detail, tensor);
    };
    const { metadata, weightMap } = parseIndex(indexJson, fail);

    const shards = new Map<string, SafetensorsFile>();
    for (const [tensor, shard] of weightMap) {
      if (shards.has(shard)) continue;
      let src: ByteSource;
      try {
        src = openShard(shard);
      } catch (e) {
        return fail(`names shard "${shard}" (for tensor "${tensor}"), which cannot be opened: ${(e as Error).message}`);
      }
      shards.set(shard, SafetensorsFile.open(src));
    }

    // Where each tensor actually is, and no tensor in two shards.
    const holder = new Map<string, string>();
    for (const [shard, file] of shards) {
      for (const name of file.names()) {
        const other = holder.get(name);
        if (other !== undefined) fail(`tensor is stored in two shards: "${other}" and "${shard}"`, name);
        holder.set(name, shard);
      }
    }
    for (const [name, shard] of weightMap) {
      const actual = holder.get(name);
      if (actual === undefined) fail(`the index assigns it to shard "${shard}", which does not contain it`, name);
      if (actual !== shard) fail(`the index assigns it to shard "${shard}", but it is in shard "${actual}"`, name);
    }
    for (const [name, shard] of holder) {
      if (!weightMap.has(name)) fail(`shard "${shard}" holds this tensor, but the index does not list it`, name);
    }
    const byName = new Map([...weightMap].map(([name, shard]) => [name, shards.get(shard)!]));
    return new ShardedCheckpoint(indexName, metadata, shards, byName);
  }

  /** Tensor names in index order. */
  names(): string[] {
    return [...this.weightMap.keys()];
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  /** Dtype, shape and byte range of `name`; `file` is the shard's ByteSource name. */
  info(name: string): TensorInfo & { file: string } {
    return this.shardOf(name).info(name);
  }

  read(name: string): StoredTensor {
    return this.shardOf(name).read(name);
  }

  readFloat32(name: string): Float32Array {
    return this.shardOf(name).readFloat32(name);
  }

  readFloat64(name: string): Float64Array {
    return this.shardOf(name).readFloat64(name);
  }

  private shardOf(name: string): SafetensorsFile {
    const f = this.weightMap.get(name);
    if (!f) throw new SafetensorsError(this.indexName, `no such tensor (the index lists ${this.weightMap.size})`, name);
    return f;
  }
}

/** The index JSON: an object with a `weight_map` of tensor name → non-empty shard file name, and optional `metadata`. */
function parseIndex(text: string, fail: (detail: string, tensor?: string) => never): { metadata: Record<string, unknown>; weightMap: Map<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`index is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) return fail('index is not a JSON object');
  const wm = json.weight_map;
  if (!isObject(wm)) return fail(`index has no "weight_map" object`);
  const md = json.metadata ?? {};
  if (!isObject(md)) return fail(`index "metadata" must be an object`);
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(wm)) {
    if (typeof shard !== 'string' || shard === '') fail(`weight_map entry must be a shard file name, got ${JSON.stringify(shard)}`, name);
    weightMap.set(name, shard as string);
  }
  if (weightMap.size === 0) fail('weight_map is empty');
  return { metadata: md, weightMap };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
