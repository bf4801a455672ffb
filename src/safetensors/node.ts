/**
 * Safetensors files on disk (Node only; the browser bundle must not import this file).
 *
 *   fileSource(path)                     a ByteSource that reads byte ranges with fs.readSync, never the whole file
 *   openCheckpoint(pathOrDir)            a .safetensors file, a *.index.json, or a directory holding either
 *   writeSafetensorsFile(path, ...)      writes a temp file in the same directory, then renames it into place
 *   streamSafetensorsFile(path, ...)     the same, tensor data produced chunk by chunk (files larger than memory)
 *   SafetensorsSpool (spool-node.ts)      the same, tensors handed over one by one as a run produces them
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsError, type ByteSource, type TensorSource } from './format.js';
import { SafetensorsFile } from './file.js';
import { ShardedCheckpoint } from './sharded.js';
import { HOST_LITTLE_ENDIAN } from './decode.js';
import { DTYPE_SIZE } from './format.js';
import { checkedHeader, safetensorsHeader, writeSafetensors, type TensorHeaderEntry, type TensorToWrite } from './write.js';

/**
 * A {@link ByteSource} over a file. The size is taken at creation; each `read` opens the file, reads
 * exactly the requested range and closes it again, so no descriptor outlives a call (and nothing stops
 * the file from being replaced or deleted, on Windows too). A file that shrank since is reported.
 */
export function fileSource(filePath: string): ByteSource {
  let size: number;
  try {
    const st = fs.statSync(filePath);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new SafetensorsError(filePath, `cannot open: ${(e as Error).message}`);
  }
  return {
    name: filePath,
    size,
    read(offset: number, length: number): Uint8Array {
      if (!(offset >= 0 && length >= 0 && offset + length <= size)) {
        throw new SafetensorsError(filePath, `read of ${length} bytes at offset ${offset} is past the end (${size} bytes)`);
      }
      const out = new Uint8Array(length);
      const fd = fs.openSync(filePath, 'r');
      try {
        let done = 0;
        while (done < length) {
          // readSync moves at most 2 GiB per call; loop until the range is filled.
          const n = fs.readSync(fd, out, done, Math.min(length - done, 0x40000000), offset + done);
          if (n === 0) throw new SafetensorsError(filePath, `file ended after ${offset + done} bytes while reading [${offset}, ${offset + length}) (was ${size} bytes when opened)`);
          done += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    },
  };
}

/** Reads and validates the header of the safetensors file at `filePath`. */
export function openSafetensorsFile(filePath: string): SafetensorsFile {
  return SafetensorsFile.open(fileSource(filePath));
}

/** File names looked for, in this order, when {@link openCheckpoint} is given a directory. */
const CHECKPOINT_NAMES = ['model.safetensors.index.json', 'model.safetensors'];

/**
 * Opens a checkpoint: a `.safetensors` file, an `*.index.json` (its shards are resolved next to it), or a
 * directory holding `model.safetensors.index.json`, `model.safetensors`, or else exactly one
 * `*.safetensors.index.json` or exactly one `*.safetensors`.
 */
export function openCheckpoint(pathOrDir: string): TensorSource {
  let target = pathOrDir;
  let isDir: boolean;
  try {
    isDir = fs.statSync(pathOrDir).isDirectory();
  } catch (e) {
    throw new SafetensorsError(pathOrDir, `cannot open: ${(e as Error).message}`);
  }
  if (isDir) target = path.join(pathOrDir, findCheckpointIn(pathOrDir));
  if (!target.endsWith('.json')) return openSafetensorsFile(target);
  const dir = path.dirname(target);
  let text: string;
  try {
    text = fs.readFileSync(target, 'utf8');
  } catch (e) {
    throw new SafetensorsError(target, `cannot read the index: ${(e as Error).message}`);
  }
  return ShardedCheckpoint.open(target, text, (shard) => {
    if (path.isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
      throw new Error(`shard names must be relative paths inside ${dir}`);
    }
    return fileSource(path.join(dir, shard));
  });
}

/** The checkpoint file inside directory `dir` (see {@link openCheckpoint}); errors list what was found. */
function findCheckpointIn(dir: string): string {
  const entries = fs.readdirSync(dir);
  for (const name of CHECKPOINT_NAMES) if (entries.includes(name)) return name;
  const indexes = entries.filter((e) => e.endsWith('.safetensors.index.json'));
  if (indexes.length === 1) return indexes[0];
  const files = entries.filter((e) => e.endsWith('.safetensors'));
  if (indexes.length === 0 && files.length === 1) return files[0];
  const found = [...indexes, ...files];
  throw new SafetensorsError(dir, found.length === 0
    ? 'directory holds no .safetensors file and no .safetensors.index.json'
    : `directory holds several candidate checkpoints, pass one explicitly: ${found.join(', ')}`);
}

/**
 * Writes `tensors` to `filePath` atomically: a temp file next to it is written, flushed, then renamed over
 * it. On little-endian hosts each tensor's bytes go to the file straight from its array (no in-memory
 * image of the whole file).
 */
export function writeSafetensorsFile(filePath: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  if (!HOST_LITTLE_ENDIAN) {
    const bytes = writeSafetensors(tensors, metadata, filePath);
    return atomicWrite(filePath, (fd) => writeAll(fd, bytes));
  }
  const { header, sorted } = checkedHeader(tensors, metadata, filePath);
  atomicWrite(filePath, (fd) => {
    writeAll(fd, header);
    for (const { data } of sorted) writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
}

/**
 * Writes a safetensors file whose data is produced piece by piece, so its size is not bounded by memory:
 * for each tensor (in the file's name order) `fill(entry, chunk, first)` must fill `chunk` — a Uint8Array of at
 * most `chunkBytes` — with the little-endian bytes of elements `first / size ...` of that tensor. Written
 * atomically like {@link writeSafetensorsFile}; the header is checked before anything is written.
 */
export function streamSafetensorsFile<T extends TensorHeaderEntry>(
  filePath: string,
  entries: readonly T[],
  fill: (entry: T, chunk: Uint8Array, first: number) => void,
  metadata?: Record<string, string>,
  chunkBytes = 64 * 2 ** 20,
): void {
  if (!HOST_LITTLE_ENDIAN) throw new SafetensorsError(filePath, 'streaming writes need a little-endian host');
  const { header, sorted } = safetensorsHeader(entries, metadata, filePath);
  const buf = new Uint8Array(chunkBytes - (chunkBytes % 8));
  atomicWrite(filePath, (fd) => {
    writeAll(fd, header);
    for (const e of sorted) {
      const total = e.shape.reduce((p, d) => p * d, 1) * DTYPE_SIZE[e.dtype];
      for (let first = 0; first < total; first += buf.byteLength) {
        const chunk = buf.subarray(0, Math.min(buf.byteLength, total - first));
        fill(e, chunk, first);
        writeAll(fd, chunk);
      }
    }
  });
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Runs `write` on a fresh temp file next to `filePath`, flushes it and renames it into place; removes it on failure. */
export function atomicWrite(filePath: string, write: (fd: number) => void): void {
  const tmp = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    // Name the file asked for, not the temp file the system error mentions.
    throw new SafetensorsError(filePath, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
