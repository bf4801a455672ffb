/** `controlmllm demo` (npm start) runs end to end on a model folder with a demo.json. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodePng } from '../../src/io/image.js';
import { Rng } from '../../src/tensor/random.js';
import { tinyModelDir } from '../helpers/tiny-model-dir.js';

describe('controlmllm demo', () => {
  it('prints both answers, energies and timings and writes the heatmaps', async () => {
    const model = tinyModelDir();
    const rng = new Rng(5);
    writeFileSync(path.join(model, 'sample.png'), encodePng({ width: 30, height: 30, data: Uint8Array.from({ length: 2700 }, () => rng.int(256)) }));
    writeFileSync(path.join(model, 'demo.json'), JSON.stringify({ image: 'sample.png', question: 'What colour?', box: [0, 0, 12, 12], expected: 'red circle', options: { alpha: 40, steps: 3, maxNewTokens: 3 } }));
    const out = mkdtempSync(path.join(tmpdir(), 'demo-'));
    let stdout = '';
    const code = await main(['demo', '--model', model, '--out', out], { stdout: (s) => (stdout += s), stderr: (s) => (stdout += s) });
    expect(code).toBe(0);
    expect(stdout).toMatch(/step 1: energy [\d.]+, attention inside the box [\d.]+%/);
    expect(stdout).toMatch(/baseline answer \(no region\): +\S/);
    expect(stdout).toMatch(/ControlMLLM v1 answer \(box\): +\S/);
    expect(stdout).toMatch(/^the boxed object is: +red circle$/m);
    expect(existsSync(path.join(out, 'attention-before.png')) && existsSync(path.join(out, 'attention-after.png'))).toBe(true);
  });
  it('names the missing demo.json', async () => {
    let stderr = '';
    const code = await main(['demo', '--model', tmpdir()], { stdout: () => {}, stderr: (s) => (stderr += s) });
    expect(code).toBe(1);
    expect(stderr).toContain('demo.json');
  });
});
