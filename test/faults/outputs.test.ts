/**
 * Issue 13 findings 3 and 9: nothing the user owns is overwritten or half-written. Output paths are
 * checked before the computation, files are renamed into place complete (a heatmap pair both or
 * neither), a killed write leaves no temp file, errors name the requested path, and train-default
 * neither writes into the bundled model by default nor replaces an existing model without --force.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { main } from '../../src/cli/main.js';
import { TINY_TRAIN, trainDefaultModel } from '../../src/train/train-default.js';
import { encodePng } from '../../src/io/image.js';
import { OutputFileError, pendingTempFiles, writeFilesAtomic } from '../../src/io/output-file-node.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const model = tinyModelDir();
const work = mkdtempSync(path.join(tmpdir(), 'outputs-'));
const image = path.join(work, 'img.png');
writeFileSync(image, encodePng({ width: 30, height: 30, data: Uint8Array.from({ length: 2700 }, (_, i) => i % 251) }));
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('output files (finding 9)', () => {
  it('a heatmap pair whose second file cannot be written is refused before the computation; the old pair is untouched', async () => {
    const prefix = path.join(work, 'pair');
    writeFileSync(`${prefix}-before.png`, 'old before');
    mkdirSync(`${prefix}-after.png`); // a folder where the after-image should go
    const t0 = performance.now();
    const r = await run(['ask', '--model', model, '--image', image, '--question', 'What?', '--box', '0,0,12,12', '--heatmap', prefix, '--json', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${prefix}-after.png: cannot write: a folder has that name`);
    expect(readFileSync(`${prefix}-before.png`, 'utf8')).toBe('old before');
    expect((performance.now() - t0) / 1000).toBeLessThan(2); // no model was run
  });

  it('writeFilesAtomic: both files or neither, no temp file left, errors name the requested path', async () => {
    const a = path.join(work, 'a.bin');
    writeFileSync(a, 'old a');
    const missing = path.join(work, 'no-such-folder', 'b.bin');
    const e = await writeFilesAtomic([{ path: a, bytes: new Uint8Array([1, 2]) }, { path: missing, bytes: new Uint8Array([3]) }]).catch((x) => x);
    expect(e).toBeInstanceOf(OutputFileError);
    expect(e.message).toBe(`${missing}: cannot write: the folder ${path.dirname(missing)} does not exist`);
    expect(readFileSync(a, 'utf8')).toBe('old a');
    await writeFilesAtomic([{ path: a, bytes: new Uint8Array([1, 2]) }, { path: path.join(work, 'b.bin'), bytes: new Uint8Array([3]) }]);
    expect([...readFileSync(a)]).toEqual([1, 2]);
    expect(temps(work)).toEqual([]);
    expect(pendingTempFiles()).toEqual([]);
  });

  it('trace --out into a missing folder fails before loading anything, naming the path', async () => {
    const out = path.join(work, 'nowhere', 'trace.safetensors');
    const r = await run(['trace', '--model', model, '--image', image, '--question', 'Hi?', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out}: cannot write: the folder`);
    expect(r.stderr).not.toMatch(/\.tmp/);
  });

  it('a write killed by SIGINT leaves no temp file and ends with that signal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'killed-'));
    const script = path.join(dir, 'writer.mjs');
    buildSync({
      stdin: {
        contents: "import { writeFileAtomic } from './output-file-node.ts';\nconst bytes = new Uint8Array(32 << 20);\nfor (;;) await writeFileAtomic(process.argv[2], bytes);\n",
        resolveDir: path.join(here, '..', '..', 'src', 'io'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    });
    const target = path.join(dir, 'out.safetensors');
    const child = spawn(process.execPath, [script, target], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 30_000;
    while (temps(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(temps(dir)).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(temps(dir)).toEqual([]);
    if (existsSync(target)) expect(statSync(target).size).toBe(32 << 20); // an earlier, complete write
  });
});

describe('train-default never replaces a model by accident (finding 3)', () => {
  it('refuses an --out that holds a model unless --force, touching nothing', async () => {
    const before = readFileSync(path.join(model, 'config.json'), 'utf8');
    const r = await run(['train-default', '--tiny', '--steps', '1', '--out', model, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${model} already holds a model (config.json, model.safetensors); pass --force to replace it, or choose another --out`);
    expect(readFileSync(path.join(model, 'config.json'), 'utf8')).toBe(before);
  });

  it('writes into weights/trained by default (not the bundled weights/default)', async () => {
    const r = await run(['train-default', '--help']);
    expect(r.stdout).toContain('model folder to write (default weights/trained)');
    expect(r.stdout).toContain('--force');
  });

  it('the default recipe trains in two stages: a vision tower, then the decoder on it, frozen', async () => {
    const [out, ckpt] = [path.join(work, 'staged'), path.join(work, 'staged-ckpt')];
    const r = await run(['train-default', '--tiny', '--steps', '2', '--out', out, '--checkpoint', ckpt, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`stage 1 of 2: the vision tower (--tiny, seed 1) → ${path.join(ckpt, 'vision-tower')}`);
    const [tower, model] = [openSafetensorsFile(path.join(ckpt, 'vision-tower', 'model.safetensors')), openSafetensorsFile(path.join(out, 'model.safetensors'))];
    const names = model.names().filter((n) => n.startsWith('vision_tower.'));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(model.readFloat32(n)).toEqual(tower.readFloat32(n));
    const decoder = model.names().find((n) => n.startsWith('language_model.'))!;
    expect(model.readFloat32(decoder)).not.toEqual(tower.readFloat32(decoder)); // stage 2 trained its own decoder
    const missing = await run(['train-default', '--tiny', '--out', path.join(work, 'x'), '--vision-from', path.join(work, 'nowhere'), '--backend', 'cpu']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`--vision-from ${path.join(work, 'nowhere')}: no model.safetensors there`);
  });

  it('an interrupted run leaves no model files, only its checkpoint', () => {
    const out = path.join(work, 'interrupted');
    trainDefaultModel({ ...TINY_TRAIN, steps: 4 }, out, { stopAfter: 2 });
    expect(existsSync(path.join(out, 'config.json'))).toBe(false);
    expect(existsSync(path.join(out, 'model.safetensors'))).toBe(false);
    expect(existsSync(path.join(out, 'checkpoint', 'state.json'))).toBe(true);
  });
});

describe('the library writer names the requested path', () => {
  it('writeSafetensorsFile into a missing folder: a SafetensorsError naming that path, no temp path', async () => {
    const { writeSafetensorsFile } = await import('../../src/safetensors/node.js');
    const file = path.join(work, 'missing', 'w.safetensors');
    expect(() => writeSafetensorsFile(file, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }])).toThrow(`${file}: cannot write (ENOENT)`);
  });
});
