/**
 * The package as a user gets it: `npm pack` (whose prepack runs `npm run build`: bundles + declaration
 * files), the tarball unpacked into a fresh temporary project's node_modules (offline: the package's
 * declared `dependencies` are linked from this checkout's node_modules, nothing else), and there
 *   (a) a Node ESM program imports `controlmllm-ts` and runs one ask on the bundled model it ships;
 *   (b) `tsc --strict` type-checks a consumer of the documented API (a `@ts-expect-error` on a wrong
 *       call proves the types are real, not `any`);
 *   (c) esbuild bundles a browser consumer (platform browser): it resolves `dist/browser.js` and reaches
 *       no Node builtin, while the Node entry does (the check can fail).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
let project = '';
let packed: string[] = [];

beforeAll(() => {
  project = mkdtempSync(path.join(tmpdir(), 'controlmllm-consumer-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const info = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info[0].files.map((f) => f.path);
  const dest = path.join(project, 'node_modules', pkg.name);
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(project, info[0].filename), '-C', dest, '--strip-components=1']);
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
    mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', dep), path.join(project, 'node_modules', dep), 'dir');
  }
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('npm pack → a fresh project', () => {
  it('ships both bundles and their declaration files', () => {
    expect(packed).toEqual(expect.arrayContaining(['dist/node.js', 'dist/browser.js', 'dist/types/index.d.ts', 'dist/types/node.d.ts', 'weights/default/model.safetensors']));
  });

  it('(a) Node ESM: imports the package and runs one ask on the bundled model', () => {
    writeFileSync(path.join(project, 'ask.mjs'), `
import { readFileSync } from 'node:fs';
import { askAboutRegion, loadSession, readImageFile } from 'controlmllm-ts';
const dir = new URL('./node_modules/controlmllm-ts/weights/default/', import.meta.url);
const session = await loadSession(dir.pathname);
const demo = JSON.parse(readFileSync(new URL('demo.json', dir), 'utf8'));
const image = readImageFile(new URL(demo.image, dir).pathname);
const r = await askAboutRegion(session, { image, question: demo.question, regions: [{ type: 'box', box: demo.box }] }, demo.options);
console.log(JSON.stringify({ entry: import.meta.resolve('controlmllm-ts'), baseline: r.baseline.text, controlled: r.controlled.text, losses: r.losses, expected: demo.expected }));
`);
    const out = JSON.parse(execFileSync(process.execPath, ['ask.mjs'], { cwd: project, encoding: 'utf8' })) as { entry: string; baseline: string; controlled: string; losses: number[]; expected: string };
    expect(out.entry).toMatch(/node_modules\/controlmllm-ts\/dist\/node\.js$/);
    expect(out.losses).toHaveLength(3);
    expect(out.losses[2]).toBeLessThan(out.losses[0]);
    // The bundled model's sample (weights/default/demo.json): the controlled answer names the boxed object's colour.
    expect(out.controlled).toBe(out.expected.split(' ')[0]);
    expect(out.baseline.length).toBeGreaterThan(0);
  }, 60_000);

  it('(b) tsc --strict type-checks a consumer of the documented API against the shipped declarations', () => {
    writeFileSync(path.join(project, 'consumer.ts'), `
import { askAboutRegion, loadSession, readImageFile, TextStreamer, type AskResult, type VisualPrompt } from 'controlmllm-ts';

export async function main(dir: string, imageFile: string): Promise<string> {
  const session = await loadSession(dir);
  const region: VisualPrompt = { type: 'box', box: [8, 80, 60, 60] };
  const streamer = new TextStreamer(session.tokenizer);
  const result: AskResult = await askAboutRegion(session, { image: readImageFile(imageFile), question: 'What colour?', regions: [region] }, {
    method: 'pp',
    onStep: (s) => console.log(s.step, s.loss.toFixed(2), s.insideRatio),
    onToken: (_which, token) => process.stdout.write(streamer.push(token)),
  });
  const ratio: number = result.insideRatio.after;
  // @ts-expect-error steps is a number: a package typed as any would not flag this
  await askAboutRegion(session, { image: readImageFile(imageFile), question: 'q', regions: [region] }, { steps: 'three' });
  return \`\${result.controlled.text} \${ratio}\`;
}
`);
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: true },
      files: ['consumer.ts'],
    }));
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      output = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout) || String(e);
      throw new Error(`tsc --strict failed on the consumer:\n${output}`);
    }
    expect(output).toBe('');
  }, 60_000);

  it('(c) esbuild for the browser resolves dist/browser.js and reaches no Node builtin; the Node entry does', async () => {
    writeFileSync(path.join(project, 'page.js'), `
import { askAboutRegion, fetchFiles, loadSessionFromFiles, TextStreamer } from 'controlmllm-ts';
const session = await loadSessionFromFiles(fetchFiles('/model/'));
export { askAboutRegion, session, TextStreamer };
`);
    const bundle = async (entry: string) => {
      const hits: string[] = [];
      const catchBuiltins: Plugin = {
        name: 'catch-node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) => {
            if (!builtins.has(a.path)) return undefined;
            hits.push(`${path.relative(project, a.importer)} -> ${a.path}`);
            return { path: a.path, external: true };
          });
        },
      };
      const r = await build({ absWorkingDir: project, stdin: { contents: entry, resolveDir: project, loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent', plugins: [catchBuiltins] });
      return { hits, inputs: Object.keys(r.metafile.inputs) };
    };
    const page = await bundle(readFileSync(path.join(project, 'page.js'), 'utf8'));
    expect(page.hits).toEqual([]);
    expect(page.inputs.some((i) => i.endsWith('node_modules/controlmllm-ts/dist/browser.js'))).toBe(true);
    expect(page.inputs.some((i) => i.endsWith('dist/node.js'))).toBe(false);
    const node = await bundle("export * from 'controlmllm-ts/node';");
    expect(node.hits.length).toBeGreaterThan(0);
  }, 60_000);
});
