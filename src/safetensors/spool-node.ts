/**
 * A safetensors file written tensor by tensor while a run produces them (Node only), so that the run
 * never holds them all: a 7B trace makes 2 GB of attention maps, one 46 MB layer at a time.
 *
 *   const spool = new SafetensorsSpool('trace.safetensors');
 *   spool.add({ name, dtype, shape, data });   // checked, appended to a spool file; the caller may drop data
 *   spool.finish(metadata);                    // header (data in the order added) + the spooled bytes → the file
 *
 * Nothing appears at the target until `finish` succeeds: the data goes to a hidden spool file next to it,
 * and `finish` writes the header and copies the spool into a temp file that is renamed into place (as
 * writeSafetensorsFile). `abort`, or any failed `add` / `finish`, removes the spool; readers accept the
 * data in any order, since the header gives each tensor's offsets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOST_LITTLE_ENDIAN } from './decode.js';
import { SafetensorsError } from './format.js';
import { atomicWrite, writeAll } from './node.js';
import { checkedHeader, safetensorsHeader, type TensorHeaderEntry, type TensorToWrite } from './write.js';

const COPY_CHUNK = 64 * 2 ** 20;

export class SafetensorsSpool {
  private readonly spoolPath: string;
  private fd: number | null;
  private readonly entries: TensorHeaderEntry[] = [];
  private readonly names = new Set<string>();
  private bytes = 0;

  constructor(readonly filePath: string) {
    if (!HOST_LITTLE_ENDIAN) throw new SafetensorsError(filePath, 'spooled writes need a little-endian host');
    this.spoolPath = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${Date.now()}.spool`);
    try {
      this.fd = fs.openSync(this.spoolPath, 'wx+'); // read back by finish
    } catch (e) {
      throw new SafetensorsError(filePath, `cannot write next to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /** Tensors added so far. */
  get count(): number {
    return this.entries.length;
  }

  /** Appends one tensor (its name, dtype, shape and data checked first); its array is not kept. */
  add(t: TensorToWrite): void {
    const fd = this.open();
    try {
      if (this.names.has(t.name)) throw new SafetensorsError(this.filePath, 'duplicate tensor name', t.name);
      checkedHeader([t], undefined, this.filePath);
      writeAll(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    } catch (e) {
      this.abort();
      throw e;
    }
    this.names.add(t.name);
    this.entries.push({ name: t.name, dtype: t.dtype, shape: [...t.shape] });
    this.bytes += t.data.byteLength;
  }

  /** Writes the file: header, then the spooled data in the order added. */
  finish(metadata?: Record<string, string>): void {
    const fd = this.open();
    try {
      const { header } = safetensorsHeader(this.entries, metadata, this.filePath, 'given');
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(this.bytes, 1)));
      atomicWrite(this.filePath, (out) => {
        writeAll(out, header);
        for (let at = 0; at < this.bytes; ) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.byteLength, this.bytes - at), at);
          if (n === 0) throw new Error(`the spool file ended at ${at} of ${this.bytes} bytes`);
          writeAll(out, buf.subarray(0, n));
          at += n;
        }
      });
    } finally {
      this.abort();
    }
  }

  /** Removes the spool file; the target is left as it was. */
  abort(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.spoolPath, { force: true });
  }

  private open(): number {
    if (this.fd === null) throw new SafetensorsError(this.filePath, 'the spool is closed (finished or aborted)');
    return this.fd;
  }
}
