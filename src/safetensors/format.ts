/**
 * The safetensors format: dtypes, the error type, byte sources, and the strict header parser.
 *
 * Layout of a file (https://github.com/huggingface/safetensors, SPEC-llava.md §2.3):
 *   bytes [0, 8)        u64 little-endian N, the header length
 *   bytes [8, 8 + N)    UTF-8 JSON object {"<name>": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}}
 *   bytes [8 + N, EOF)  the data section; tensor bytes are [8 + N + begin, 8 + N + end), row-major, little-endian
 * The tensors must tile the data section exactly: no overlaps, no holes, no unused bytes at the end.
 *
 * No Node imports: this file runs in the browser bundle too.
 */

/** The dtypes this reader understands (safetensors' names). */
export type StDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<StDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** True when `s` names a dtype in {@link DTYPE_SIZE}. */
export function isStDtype(s: unknown): s is StDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

/** Anything wrong with a safetensors file or checkpoint. The message starts with the file (and tensor) at fault. */
export class SafetensorsError extends Error {
  readonly file: string;
  readonly tensor?: string;
  constructor(file: string, detail: string, tensor?: string) {
    super(`${file}${tensor !== undefined ? `: tensor "${tensor}"` : ''}: ${detail}`);
    this.name = 'SafetensorsError';
    this.file = file;
    if (tensor !== undefined) this.tensor = tensor;
  }
}

/** Random access to the bytes of one file (in memory, on disk, or fetched). `read` returns exactly `length` bytes. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/** A {@link ByteSource} over bytes already in memory; `read` returns views, not copies. */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset: number, length: number): Uint8Array {
      if (!(offset >= 0 && length >= 0 && offset + length <= bytes.byteLength)) {
        throw new SafetensorsError(name, `read of ${length} bytes at offset ${offset} is past the end (${bytes.byteLength} bytes)`);
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Where one tensor lives; `begin`/`end` are byte offsets relative to the data section. */
export interface TensorInfo {
  name: string;
  dtype: StDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A tensor in its stored dtype. F16 and BF16 are raw bits in a Uint16Array; BOOL is a Uint8Array of 0/1. */
export interface StoredTensor {
  name: string;
  dtype: StDtype;
  shape: number[];
  data: Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
}

/** Read access to named tensors, whether from one file or a sharded checkpoint. */
export interface TensorSource {
  names(): string[];
  has(name: string): boolean;
  info(name: string): TensorInfo & { file: string };
  read(name: string): StoredTensor;
  readFloat32(name: string): Float32Array;
  readFloat64(name: string): Float64Array;
}

/** The parsed, validated header of one file. */
export interface Header {
  /** File offset of the data section: 8 + N. */
  dataStart: number;
  /** Tensors in header order. */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

/** Header lengths above this are treated as corruption (the Rust reference uses the same 100 MB cap). */
export const MAX_HEADER_BYTES = 100_000_000;

/** More header entries than this are refused before JSON.parse (a 7B LLaVA has ~700; sharded ones split). */
export const MAX_HEADER_ENTRIES = 100_000;

/** A valid header nests 3 deep ({name: {shape: [..]}}); deeper JSON is refused before JSON.parse. */
export const MAX_HEADER_DEPTH = 8;

/** Reads and validates the header of `src`; every problem is a {@link SafetensorsError} naming the file. */
export function parseHeader(src: ByteSource): Header {
  const file = src.name;
  const fail = (detail: string, tensor?: string): never => {
    throw new SafetensorsError(file, detail, tensor);
  };
  const readExact = (offset: number, length: number): Uint8Array => {
    const b = src.read(offset, length);
    if (b.byteLength !== length) fail(`read ${b.byteLength} bytes at offset ${offset}, expected ${length}`);
    return b;
  };
  if (src.size < 8) fail(`file is ${src.size} bytes, shorter than the 8-byte header length`);
  const first8 = readExact(0, 8);
  const n64 = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} is absurdly large (limit ${MAX_HEADER_BYTES} bytes; corrupt file?)`);
  const n = Number(n64);
  if (8 + n > src.size) fail(`header length ${n} runs past the end of the file (${src.size} bytes, at most ${src.size - 8} available)`);
  const json = parseJson(readExact(8, n), fail);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`header is not a JSON object`);
  const dataStart = 8 + n;
  const dataSize = src.size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(entry, fail);
    else tensors.set(name, parseEntry(name, entry, dataSize, fail));
  }
  checkTiling([...tensors.values()], dataSize, fail);
  return { dataStart, tensors, metadata };
}

type Fail = (detail: string, tensor?: string) => never;

/** Shape limits (on the raw bytes), strict UTF-8 decode, then JSON.parse; every failure is a SafetensorsError. */
function parseJson(bytes: Uint8Array, fail: Fail): unknown {
  const { depth, entries } = jsonShape(bytes);
  if (depth > MAX_HEADER_DEPTH) fail(`header JSON nests ${depth} levels deep (a header has 3; limit ${MAX_HEADER_DEPTH})`);
  if (entries > MAX_HEADER_ENTRIES) fail(`header has ${entries} entries (limit ${MAX_HEADER_ENTRIES})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`header (${bytes.byteLength} bytes) is not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Deepest nesting of brackets/braces outside strings, and the number of top-level members (commas + 1),
 * from UTF-8 bytes (multi-byte sequences never contain these ASCII bytes).
 */
export function jsonShape(bytes: Uint8Array): { depth: number; entries: number } {
  let depth = 0;
  let max = 0;
  let entries = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
      if (depth === 1) entries = 1;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) entries++;
  }
  return { depth: max, entries };
}

/** `__metadata__` must be a string → string map. */
function parseMetadata(entry: unknown, fail: Fail): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    fail(`__metadata__ must be an object of strings, got ${describe(entry)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__["${k}"] must be a string, got ${describe(v)}`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Validates one tensor entry on its own: types, dtype, shape, offsets, and byte length against the shape. */
function parseEntry(name: string, entry: unknown, dataSize: number, fail: Fail): TensorInfo {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`entry must be an object, got ${describe(entry)}`, name);
  const e = entry as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.prototype.hasOwnProperty.call(e, key)) fail(`entry has no "${key}"`, name);
  }
  const { dtype, shape, data_offsets: offsets } = e;
  if (!isStDtype(dtype)) fail(`unknown dtype ${describe(dtype)} (known: ${Object.keys(DTYPE_SIZE).join(', ')})`, name);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`shape must be an array of non-negative integers, got ${describe(shape)}`, name);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`data_offsets must be two non-negative integers, got ${describe(offsets)}`, name);
  }
  const [begin, end] = offsets as number[];
  const dims = shape as number[];
  if (begin > end) fail(`data_offsets [${begin}, ${end}] has begin > end`, name);
  const dt = dtype as StDtype;
  const expected = dims.includes(0) ? 0 : dims.reduce((p, d) => p * d, 1) * DTYPE_SIZE[dt];
  if (end - begin !== expected) {
    fail(`byte length ${end - begin} (data_offsets [${begin}, ${end}]) ≠ shape [${dims.join(', ')}] × ${DTYPE_SIZE[dt]} bytes (${dt}) = ${expected}`, name);
  }
  if (end > dataSize) fail(`data_offsets [${begin}, ${end}] are outside the data section (${dataSize} bytes)`, name);
  return { name, dtype: dt, shape: [...dims], begin, end };
}

/** The tensors must cover [0, dataSize) exactly once: sorted by offset, each starts where the previous ended. */
function checkTiling(infos: TensorInfo[], dataSize: number, fail: Fail): void {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: TensorInfo | undefined;
  for (const t of sorted) {
    if (t.begin < pos) {
      fail(`data_offsets [${t.begin}, ${t.end}] overlap tensor "${prev!.name}" at [${prev!.begin}, ${prev!.end}]`, t.name);
    }
    if (t.begin > pos) {
      const after = prev ? `after tensor "${prev.name}" (ends at ${pos})` : 'at the start of the data section';
      fail(`gap of ${t.begin - pos} unused bytes ${after}: data_offsets [${t.begin}, ${t.end}]`, t.name);
    }
    if (t.end > pos || !prev) prev = t;
    pos = Math.max(pos, t.end);
  }
  if (pos !== dataSize) fail(`data section has ${dataSize - pos} unused bytes at the end (tensors end at ${pos} of ${dataSize})`);
}

/** A non-negative integer that a JS number holds exactly. */
function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Short rendering of a JSON value for messages. */
function describe(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = `(a ${Array.isArray(v) ? 'list' : typeof v} too deep to print)`;
  }
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
