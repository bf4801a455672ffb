/**
 * loadSessionFromFiles: a Session built through an injected file reader (what the browser uses) equals
 * the one loadSession(dir) builds from disk — same weights, tokenizer, template and processor — from a
 * single model.safetensors and from a 2-shard checkpoint; missing files are named; fetchFiles and
 * fileListFiles map names as the page needs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  SafetensorsFile, bytesSource, fetchFiles, fileListFiles, loadSessionFromFiles, promptIds, writeSafetensors,
  type FileReader, type Session, type StDtype,
} from '../../src/index.js';
import { loadSession, type Tensor } from '../../src/node.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';

const dir = tinyModelDir();
const diskReader = (files: Record<string, Uint8Array>): FileReader => async (name) => files[name];
const folder = (): Record<string, Uint8Array> => Object.fromEntries(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(path.join(dir, f)))]));

function sameSession(a: Session, b: Session): void {
  if (a.family !== 'llava' || b.family !== 'llava') throw new Error('expected LLaVA sessions');
  expect(a.model.config).toEqual(b.model.config);
  const weights = (s: typeof a) => [(s.model.language_model.model.embed_tokens.weight as Tensor).toArray(), (s.model.language_model.lm_head?.weight as Tensor | undefined)?.toArray()];
  expect(weights(a)).toEqual(weights(b));
  expect(promptIds(a, 'What is it?')).toEqual(promptIds(b, 'What is it?'));
  expect(a.processor).toEqual(b.processor);
}

describe('loadSessionFromFiles', () => {
  it('builds the same session as loadSession(dir) from model.safetensors', async () => {
    const progress: string[] = [];
    const s = await loadSessionFromFiles(diskReader(folder()), { name: 'tiny', onProgress: (m) => progress.push(m) });
    expect(s.name).toBe('tiny');
    sameSession(s, await loadSession(dir));
    expect(progress).toEqual(expect.arrayContaining(['reading config.json', 'building the model']));
  });

  it('reads a sharded checkpoint (index + 2 shards)', async () => {
    const files = folder();
    const single = SafetensorsFile.open(bytesSource('model.safetensors', files['model.safetensors']));
    const names = single.names();
    const shardOf = (i: number) => `model-0000${i < names.length / 2 ? 1 : 2}-of-00002.safetensors`;
    const weightMap: Record<string, string> = {};
    const byShard = new Map<string, { name: string; dtype: StDtype; shape: number[]; data: ArrayBufferView }[]>();
    names.forEach((n, i) => {
      const info = single.info(n);
      weightMap[n] = shardOf(i);
      const list = byShard.get(shardOf(i)) ?? [];
      list.push({ name: n, dtype: 'F32', shape: info.shape, data: single.readFloat32(n) });
      byShard.set(shardOf(i), list);
    });
    delete files['model.safetensors'];
    for (const [shard, tensors] of byShard) files[shard] = writeSafetensors(tensors);
    files['model.safetensors.index.json'] = new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: weightMap }));
    sameSession(await loadSessionFromFiles(diskReader(files)), await loadSession(dir));

    delete files['model-00002-of-00002.safetensors'];
    await expect(loadSessionFromFiles(diskReader(files), { name: 'sharded' })).rejects.toThrow(/^sharded: .*model-00002-of-00002\.safetensors/);
  });

  it('names what is missing', async () => {
    const files = folder();
    delete files['preprocessor_config.json'];
    await expect(loadSessionFromFiles(diskReader(files), { name: 'm' })).rejects.toThrow('m: preprocessor_config.json is missing');
    const noWeights = folder();
    delete noWeights['model.safetensors'];
    await expect(loadSessionFromFiles(diskReader(noWeights), { name: 'm' })).rejects.toThrow('m: neither model.safetensors.index.json nor model.safetensors is present');
  });

  it('fetchFiles: 404 is absent, other statuses are errors, a listing avoids requests for absent names', async () => {
    const requested: string[] = [];
    const fake = (async (url: string) => {
      requested.push(url);
      if (url.endsWith('/config.json')) return new Response('{}', { status: 200 });
      if (url.endsWith('/broken.json')) return new Response('', { status: 500, statusText: 'Server Error' });
      return new Response('', { status: 404 });
    }) as unknown as typeof fetch;
    const read = fetchFiles('http://h/models/m', { fetchImpl: fake });
    expect(new TextDecoder().decode(await read('config.json'))).toBe('{}');
    expect(await read('tokenizer.model')).toBeUndefined();
    await expect(read('broken.json')).rejects.toThrow('GET http://h/models/m/broken.json: HTTP 500 Server Error');
    const listed = fetchFiles('http://h/models/m/', { fetchImpl: fake, listing: ['config.json'] });
    requested.length = 0;
    expect(await listed('chat_template.jinja')).toBeUndefined();
    expect(requested).toEqual([]);
  });

  it('fetchFiles onBytes: reports the bytes received of each streamed file against its Content-Length', async () => {
    const body = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
    const fake = (async () => {
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 3000; i += 1000) c.enqueue(body.slice(i, i + 1000));
          c.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-length': '3000' } });
    }) as unknown as typeof fetch;
    const seen: Array<[string, number, number | null]> = [];
    const read = fetchFiles('http://h/m/', { fetchImpl: fake, onBytes: (name, n, total) => seen.push([name, n, total]) });
    const got = await read('model.safetensors');
    expect(Buffer.from(got!).equals(Buffer.from(body))).toBe(true);
    expect(seen).toEqual([['model.safetensors', 1000, 3000], ['model.safetensors', 2000, 3000], ['model.safetensors', 3000, 3000]]);
  });

  it('fileListFiles: paths inside a picked folder drop the folder name', async () => {
    const file = (rel: string, text: string) => ({ name: rel.split('/').pop()!, webkitRelativePath: rel, arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer });
    const read = fileListFiles([file('llava/config.json', 'a'), file('llava/sub/x.json', 'b')]);
    expect(new TextDecoder().decode(await read('config.json'))).toBe('a');
    expect(new TextDecoder().decode(await read('sub/x.json'))).toBe('b');
    expect(await read('model.safetensors')).toBeUndefined();
  });
});
