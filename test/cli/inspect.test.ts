/** `controlmllm inspect`: config summary, parameters per component, dtypes, and loading problems. */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeSafetensorsFile, openSafetensorsFile } from '../../src/safetensors/node.js';
import { fixturesDir, tinyDir } from '../model/tiny-fixture.js';

function capture() {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) } };
}

describe('controlmllm inspect', () => {
  it('summarises the tiny model', async () => {
    const { o, io } = capture();
    expect(await main(['inspect', '--model', tinyDir], io)).toBe(0);
    expect(o.out).toMatch(/vision: CLIP, 2 layers, hidden 32, 4 heads.*25 image tokens/);
    expect(o.out).toMatch(/text: Llama, 2 layers, hidden 32, 4 heads \(2 kv\) × 8/);
    expect(o.out).toMatch(/vision tower\s+[\d,]+\n\s+projector\s+2,112\n\s+language model\s+[\d,]+\n\s+total\s+39,882/);
    expect(o.out).toMatch(/stored dtypes: F32 × 64/);
    expect(o.out).toMatch(/weights: all 64 tensors present/);
  });

  it('reports a missing tensor and the 7B folder without shards', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'inspect-'));
    try {
      copyFileSync(path.join(tinyDir, 'config.json'), path.join(dir, 'config.json'));
      const src = openSafetensorsFile(path.join(tinyDir, 'model.safetensors'));
      const keep = src.names().filter((s) => s !== 'language_model.model.norm.weight');
      writeSafetensorsFile(path.join(dir, 'model.safetensors'), keep.map((name) => ({ name, dtype: 'F32', shape: src.info(name).shape, data: src.readFloat32(name) })));
      let c = capture();
      expect(await main(['inspect', '--model', dir], c.io)).toBe(1);
      expect(c.o.out).toMatch(/loading problem:\n.*1 missing.*\nmissing \(1\):\n {2}language_model\.model\.norm\.weight \[32\]/);
      c = capture();
      expect(await main(['inspect', '--model', path.join(fixturesDir, 'llava-1.5-7b-hf')], c.io)).toBe(1);
      expect(c.o.out).toMatch(/total\s+7,063,427,072/);
      expect(c.o.out).toMatch(/loading problem: .*model-0000\d-of-00003\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
