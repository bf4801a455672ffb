/**
 * Safetensors files on disk (Node only; the browser bundle must not import this file).
 *
 *   fileSource(path)                     a ByteSource that reads byte ranges with fs.readSync, never the whole file
 *   openCheckpoint(pathOrDir)            a .safetensors file, a *.index.json, or a directory holding either
 *   writeSafetensorsFile(path, ...)      writes a temp file in the same directory, then renames it into place
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsError, type ByteSource, type TensorSource } from './format.js';
import { SafetensorsFile } from './file.js';
import { ShardedCheckpoint } from './sharded.js';
import { writeSafetensors, type TensorToWrite } from './write.js';

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

/** Writes `tensors` to `filePath` atomically: a temp file next to it is written, flushed, then renamed over it. */
export function writeSafetensorsFile(filePath: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const bytes = writeSafetensors(tensors, metadata, filePath);
  const tmp = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      let done = 0;
      while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
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
