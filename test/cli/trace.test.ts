/**
 * `controlmllm trace` in-process: reproduces the tiny-llava fixture arrays (read back with the project's
 * reader), and reports usage errors with exit status 2.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { traceCommand, parseTensorRef } from '../../src/cli/commands/trace.js';
import { main } from '../../src/cli/main.js';
import { openSafetensorsFile, writeSafetensorsFile } from '../../src/safetensors/node.js';
import { f32ToF16 } from '../../src/safetensors/half.js';
import { inputIds, ref, relErr, tinyDir, tinyMeta } from '../model/tiny-fixture.js';

function capture() {
  const o = { out: '', err: '' };
  return { o, io: { stdout: (s: string) => void (o.out += s), stderr: (s: string) => void (o.err += s) } };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trace-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('controlmllm trace', () => {
  it('writes every fixture intermediate within 1e-4 and the greedy tokens', async () => {
    const out = path.join(dir, 'trace.safetensors');
    const { o, io } = capture();
    const argv = ['--model', tinyDir, '--input-ids', inputIds().join(','), '--pixel-values', `${path.join(tinyDir, 'fixture.safetensors')}:pixel_values`, '--out', out, '--new-tokens', '5'];
    expect(await traceCommand.run(argv, io)).toBe(0);
    expect(o.err).toMatch(/^backend: wasm \(SIMD[^)]*\d threads?\)\n$/); // the backend choice is always reported
    const f = openSafetensorsFile(out);
    const floats = [
      'vision_hidden_states.0', 'vision_hidden_states.1', 'vision_hidden_states.2', 'vision_selected_features', 'image_features',
      'merged_inputs_embeds', 'decoder_hidden_states.0', 'decoder_hidden_states.1', 'decoder_hidden_states.2',
      'attentions.0', 'attentions.1', 'logits',
    ];
    for (const name of floats) {
      const want = ref(name);
      expect([name, f.info(name).dtype, f.info(name).shape]).toEqual([name, 'F32', want.shape]);
      expect([name, relErr(f.readFloat32(name), want.data) < 1e-4]).toEqual([name, true]);
    }
    expect(f.info('image_token_positions')).toMatchObject({ dtype: 'I64', shape: [25] });
    expect(Array.from(f.readFloat64('image_token_positions'))).toEqual(tinyMeta.image_token_positions);
    expect(f.info('greedy_new_tokens')).toMatchObject({ dtype: 'I64', shape: [1, 5] });
    expect(Array.from(f.readFloat64('greedy_new_tokens'))).toEqual(Array.from(ref('greedy_new_tokens').data));
    expect(f.names().sort()).toEqual([...floats, 'image_token_positions', 'greedy_new_tokens'].sort());
    // written as made (a 7B's maps are never all held): the data lie in the order the forward produces them
    const order = ['vision_hidden_states.2', 'image_features', 'decoder_hidden_states.0', 'attentions.0', 'decoder_hidden_states.1', 'attentions.1', 'decoder_hidden_states.2', 'logits', 'greedy_new_tokens'];
    const begins = order.map((n) => f.info(n).begin);
    expect(begins).toEqual([...begins].sort((a, b) => a - b));
  });

  it('--half-weights on an F16 checkpoint: the same intermediates as its float32 widening, and the same tokens', async () => {
    const f16Dir = path.join(dir, 'f16');
    mkdirSync(f16Dir);
    copyFileSync(path.join(tinyDir, 'config.json'), path.join(f16Dir, 'config.json'));
    const src = openSafetensorsFile(path.join(tinyDir, 'model.safetensors'));
    writeSafetensorsFile(path.join(f16Dir, 'model.safetensors'), src.names().map((name) => ({
      name, dtype: 'F16' as const, shape: src.info(name).shape, data: Uint16Array.from(src.readFloat32(name), f32ToF16),
    })));
    const outs = [] as ReturnType<typeof openSafetensorsFile>[];
    for (const half of [false, true]) {
      const out = path.join(dir, `trace-${half}.safetensors`);
      const argv = ['--model', f16Dir, '--input-ids', inputIds().join(','), '--pixel-values', `${path.join(tinyDir, 'fixture.safetensors')}:pixel_values`, '--out', out, '--new-tokens', '3', ...(half ? ['--half-weights'] : [])];
      expect(await traceCommand.run(argv, capture().io)).toBe(0);
      outs.push(openSafetensorsFile(out));
    }
    for (const name of ['image_features', 'decoder_hidden_states.2', 'attentions.1', 'logits']) {
      expect([name, relErr(outs[1].readFloat32(name), outs[0].readFloat32(name)) < 1e-5]).toEqual([name, true]);
    }
    expect(Array.from(outs[1].readFloat64('greedy_new_tokens'))).toEqual(Array.from(outs[0].readFloat64('greedy_new_tokens')));
  });

  it('is registered with the dispatcher; usage errors exit 2 with a clear message', async () => {
    let c = capture();
    expect(await main(['trace', '--model', tinyDir], c.io)).toBe(2);
    expect(c.o.err).toMatch(/--input-ids IDS is required/);
    c = capture();
    expect(await main(['trace', '--model', tinyDir, '--input-ids', '1,x', '--pixel-values', 'a', '--out', 'b'], c.io)).toBe(2);
    expect(c.o.err).toMatch(/--input-ids: "x" is not a token id/);
    c = capture();
    expect(await main(['trace', '--bogus'], c.io)).toBe(2);
    expect(c.o.err).toMatch(/--bogus/);
    c = capture();
    const argv = ['--model', tinyDir, '--input-ids', '1,2', '--pixel-values', `${path.join(tinyDir, 'fixture.safetensors')}:nope`, '--out', path.join(dir, 'x.safetensors')];
    expect(await main(['trace', ...argv], c.io)).toBe(1);
    expect(c.o.err).toMatch(/no tensor "nope"/);
  });

  it('parses FILE:NAME and FILE', () => {
    expect(parseTensorRef('--p', '/a/b.safetensors:px', 'pixel_values')).toEqual({ file: '/a/b.safetensors', name: 'px' });
    expect(parseTensorRef('--p', '/a/b.safetensors', 'pixel_values')).toEqual({ file: '/a/b.safetensors', name: 'pixel_values' });
  });
});
