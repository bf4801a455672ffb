/**
 * The user's output files (Node only): checked before the computation that fills them, written to a
 * temp file beside the target and renamed into place, so that the final name always holds either the
 * old file or the complete new one. A group of files (a heatmap pair) is renamed only once every temp
 * file is complete: both or neither. Temp files are removed on error and on SIGINT / SIGTERM (the
 * handlers exist only while a write is in flight, so Ctrl-C still stops a computation at once).
 * Errors name the path the user asked for, never the temp file.
 */
import * as fs from 'node:fs';
import path from 'node:path';

export class OutputFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'OutputFileError';
  }
}

const reason = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Refuses, before any work, a path that cannot be written: missing or read-only folder, a folder in its place. */
export function checkOutputPath(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new OutputFileError(file, `cannot write: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new OutputFileError(file, `cannot write: ${dir} is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new OutputFileError(file, `cannot write: the folder ${dir} is not writable`);
  }
  let target: fs.Stats;
  try {
    target = fs.statSync(file);
  } catch {
    return; // a new file
  }
  if (target.isDirectory()) throw new OutputFileError(file, 'cannot write: a folder has that name');
  try {
    fs.accessSync(file, fs.constants.W_OK);
  } catch {
    throw new OutputFileError(file, 'cannot overwrite: the file is not writable');
  }
}

const pending = new Set<string>();

/** Removes the temp files of writes in flight (what the signal handlers do before the process ends). */
export function removePendingTempFiles(): void {
  for (const tmp of pending) fs.rmSync(tmp, { force: true });
  pending.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removePendingTempFiles();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.kill(process.pid, signal); // the default action now: end with that signal's status
}

function track(tmp: string): void {
  if (pending.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  pending.add(tmp);
}

function untrack(tmp: string): void {
  fs.rmSync(tmp, { force: true });
  if (pending.delete(tmp) && pending.size === 0) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Temp files written so far and not yet renamed or removed (for tests). */
export function pendingTempFiles(): string[] {
  return [...pending];
}

const CHUNK = 8 << 20;

async function writeTemp(tmp: string, bytes: Uint8Array, file: string): Promise<void> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(tmp, 'wx');
  } catch (e) {
    throw new OutputFileError(file, `cannot write (${reason(e)})`);
  }
  try {
    for (let at = 0; at < bytes.byteLength; at += CHUNK) await fh.write(bytes, at, Math.min(CHUNK, bytes.byteLength - at));
    await fh.sync();
  } catch (e) {
    throw new OutputFileError(file, `cannot write (${reason(e)})`);
  } finally {
    await fh.close();
  }
}

/** Writes every file completely to a temp file first, then renames them all into place. */
export async function writeFilesAtomic(files: readonly { path: string; bytes: Uint8Array }[]): Promise<void> {
  for (const f of files) checkOutputPath(f.path);
  const temps = files.map((f) => path.join(path.dirname(f.path), `.${path.basename(f.path)}.${process.pid}.${Date.now()}.tmp`));
  try {
    for (let i = 0; i < files.length; i++) {
      track(temps[i]);
      await writeTemp(temps[i], files[i].bytes, files[i].path);
    }
    files.forEach((f, i) => {
      try {
        fs.renameSync(temps[i], f.path);
      } catch (e) {
        throw new OutputFileError(f.path, `cannot write (${reason(e)})`);
      }
    });
  } finally {
    temps.forEach(untrack);
  }
}

/** One file, atomically (see writeFilesAtomic). */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  return writeFilesAtomic([{ path: file, bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes }]);
}
