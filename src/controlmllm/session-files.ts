/**
 * Loads a Session from a model folder through an injected file reader (browser-safe: no `fs`). The
 * reader maps a file name inside the folder to its bytes, or `undefined` when the folder has no such
 * file; a Web page passes one over `fetch` (`fetchFiles(baseUrl)`) or over the `File`s of an
 * `<input type=file webkitdirectory>` (`fileListFiles(files)`). Node's loader is session-node.ts.
 *
 * What is read, in this order (the same files as the Node loader):
 *   config.json                                         → parseLlavaConfig (inside loadLlavaFromSource)
 *   model.safetensors.index.json + its shards, or else model.safetensors
 *   tokenizer.json (else tokenizer.model), tokenizer_config.json, special_tokens_map.json
 *   chat_template.jinja, chat_template.json (else tokenizer_config.json's chat_template)
 *   preprocessor_config.json                            → parseClipProcessorConfig
 *
 * The weights are held in memory while the model is built (a page has no ranged file reads that are
 * synchronous), so this path suits models that fit in the page's memory twice over.
 */
import { ChatTemplate, type ChatTemplateFiles } from '../io/chat-template.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { loadTokenizer, type TokenizerFiles } from '../io/tokenizer.js';
import { loadLlavaFromSource, type LoadOptions } from '../model/load.js';
import { SafetensorsFile, ShardedCheckpoint, bytesSource, type TensorSource } from '../safetensors/index.js';
import type { LlavaSession } from './session.js';

/** The bytes of `name` in the model folder, or undefined when the folder has no such file. */
export type FileReader = (name: string) => Promise<Uint8Array | undefined>;

export interface SessionFilesOptions extends LoadOptions {
  /** Names the session (and errors); default 'model'. */
  name?: string;
  /** tiktoken's WebAssembly module (only for a tiktoken tokenizer.model without tokenizer.json). */
  tiktokenWasm?: BufferSource | WebAssembly.Module;
  /** Told what is being read or built, e.g. 'reading model.safetensors (12.3 MB)'. */
  onProgress?: (message: string) => void;
}

const utf8 = new TextDecoder('utf-8');

/** Reads the folder through `read` and builds the Session; errors start with the session name. */
export async function loadSessionFromFiles(read: FileReader, opts: SessionFilesOptions = {}): Promise<LlavaSession> {
  const name = opts.name ?? 'model';
  const say = opts.onProgress ?? (() => {});
  const text = async (file: string): Promise<string | undefined> => {
    const bytes = await read(file);
    return bytes === undefined ? undefined : utf8.decode(bytes);
  };
  const required = async (file: string): Promise<string> => {
    const t = await text(file);
    if (t === undefined) throw new Error(`${name}: ${file} is missing`);
    return t;
  };
  try {
    say('reading config.json');
    const configText = await required('config.json');
    const source = await readCheckpoint(read, name, say);
    say('building the model');
    const model = loadLlavaFromSource(source, configText, { label: name, ...opts });

    say('reading the tokenizer');
    const tokenizerFiles: TokenizerFiles = {
      'tokenizer.json': await text('tokenizer.json'),
      'tokenizer_config.json': await text('tokenizer_config.json'),
      'special_tokens_map.json': await text('special_tokens_map.json'),
    };
    if (tokenizerFiles['tokenizer.json'] === undefined) tokenizerFiles['tokenizer.model'] = await read('tokenizer.model');
    const tokenizer = await loadTokenizer(tokenizerFiles, { tiktokenWasm: opts.tiktokenWasm });

    const templateFiles: ChatTemplateFiles = { 'tokenizer_config.json': tokenizerFiles['tokenizer_config.json'] };
    for (const f of ['chat_template.jinja', 'chat_template.json'] as const) {
      const t = await text(f);
      if (t !== undefined) templateFiles[f] = t;
    }
    const template = ChatTemplate.fromFiles(templateFiles);

    const processorText = await required('preprocessor_config.json');
    let processorJson: unknown;
    try {
      processorJson = JSON.parse(processorText);
    } catch (e) {
      throw new Error(`preprocessor_config.json: ${(e as Error).message}`);
    }
    return { family: 'llava', name, model, tokenizer, processor: parseClipProcessorConfig(processorJson), template };
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(`${name}:`) ? message : `${name}: ${message}`, { cause: e });
  }
}

/** model.safetensors.index.json and every shard it names, or else model.safetensors, all in memory. */
async function readCheckpoint(read: FileReader, name: string, say: (m: string) => void): Promise<TensorSource> {
  const INDEX = 'model.safetensors.index.json';
  const indexBytes = await read(INDEX);
  if (indexBytes === undefined) {
    say('reading model.safetensors');
    const bytes = await read('model.safetensors');
    if (bytes === undefined) throw new Error(`${name}: neither ${INDEX} nor model.safetensors is present`);
    say(`read model.safetensors (${mb(bytes.byteLength)})`);
    return SafetensorsFile.open(bytesSource('model.safetensors', bytes));
  }
  const indexText = utf8.decode(indexBytes);
  const shardNames = shardsOf(indexText);
  const shards = new Map<string, Uint8Array>();
  for (const [i, shard] of shardNames.entries()) {
    if (shard.startsWith('/') || shard.split(/[\\/]/).includes('..')) throw new Error(`${INDEX}: shard names must be relative paths inside the folder, got "${shard}"`);
    say(`reading shard ${i + 1}/${shardNames.length}: ${shard}`);
    const bytes = await read(shard);
    if (bytes !== undefined) shards.set(shard, bytes);
  }
  return ShardedCheckpoint.open(INDEX, indexText, (shard) => {
    const bytes = shards.get(shard);
    if (bytes === undefined) throw new Error('file not found');
    return bytesSource(shard, bytes);
  });
}

/** The distinct shard names of an index, in order of first mention (ShardedCheckpoint validates the rest). */
function shardsOf(indexText: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(indexText);
  } catch {
    return []; // ShardedCheckpoint.open reports the parse error with its own wording
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null) return [];
  return [...new Set(Object.values(map).filter((v): v is string => typeof v === 'string'))];
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export interface FetchFilesOptions {
  /** The folder's file names, when known (a server listing): other names are absent without a request. */
  listing?: Iterable<string>;
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /** Told the bytes received so far of each file as it streams in (total: its Content-Length, or null). */
  onBytes?: (name: string, received: number, total: number | null) => void;
}

/**
 * A FileReader over HTTP: `baseUrl + name`; 404 is "absent", any other failure is an error naming the URL.
 * With a `listing`, names outside it are absent without a request (so no 404s show up in the console).
 */
export function fetchFiles(baseUrl: string, opts: FetchFilesOptions = {}): FileReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const fetchImpl = opts.fetchImpl ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const listing = opts.listing === undefined ? undefined : new Set(opts.listing);
  return async (name) => {
    if (listing !== undefined && !listing.has(name)) return undefined;
    const url = base + name.split('/').map(encodeURIComponent).join('/');
    const res = await fetchImpl(url);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
    if (!opts.onBytes || !res.body) return new Uint8Array(await res.arrayBuffer());
    return readWithProgress(res, (n, total) => opts.onBytes!(name, n, total));
  };
}

/** The body of `res` chunk by chunk, reporting the bytes so far (into one buffer when the length is known). */
async function readWithProgress(res: Response, report: (received: number, total: number | null) => void): Promise<Uint8Array> {
  const header = Number(res.headers.get('content-length'));
  const total = Number.isFinite(header) && header > 0 ? header : null;
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    report(received, total);
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The part of a `File` this module uses (a browser File, or anything shaped like one). */
export interface FileLike {
  readonly name: string;
  /** Path inside the picked folder, starting with the folder's own name (`llava/config.json`). */
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A FileReader over the files of a picked folder (`<input type=file webkitdirectory>`): names are matched
 * against each file's path with the picked folder's own name removed, so `config.json` finds
 * `llava/config.json`.
 */
export function fileListFiles(files: Iterable<FileLike>): FileReader {
  const byName = new Map<string, FileLike>();
  for (const f of files) {
    const rel = f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name;
    byName.set(rel || f.name, f);
  }
  return async (name) => {
    const f = byName.get(name);
    return f === undefined ? undefined : new Uint8Array(await f.arrayBuffer());
  };
}
