/**
 * Safetensors files on disk (Node only; the browser bundle must not import this file).
 *
 *   fileSource(path)                     a ByteSource that reads byte ranges with fs.readSync, never the whole file
 *   openCheckpoint(pathOrDir)            a .safetensors file, a *.index.json, or a directory holding either
 *   writeSafetensorsFile(path, ...)      writes a temp file in the same directory, then renames it into place
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsError, type ByteSource, type TensorSource } from './safetensors-format.js';
import { SafetensorsFile } from './safetensors-file.js';
import { writeSafetensors, type TensorToWrite } from './safetensors-write.js';

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
    throw e;
  }
}
