/**
 * Issue 13 findings 6 and 7: absurd sizes in config.json and safetensors headers are refused from the
 * numbers alone, with the allowed range, before a module tree or a list of that size is built.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseLlavaConfig } from '../../src/model/config.js';
import { checkWeights, formatProblems } from '../../src/model/load.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { bytesSource, SafetensorsError } from '../../src/safetensors/index.js';
import { MAX_HEADER_ENTRIES, parseHeader } from '../../src/safetensors/format.js';
import { bounded } from './bounded.js';

const tiny = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-llava');
const tinyConfig = JSON.parse(readFileSync(path.join(tiny, 'config.json'), 'utf8'));

/** A safetensors file whose header is exactly `json` and whose data section is empty. */
function fileWithHeader(json: string): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

describe('config.json sizes (finding 6)', () => {
  it.each([
    ['text_config', 'num_hidden_layers', 1_000_000, '[1, 512]'],
    ['vision_config', 'num_hidden_layers', 1e7, '[1, 512]'],
    ['text_config', 'hidden_size', 2 ** 31, '[1, 65536]'],
    ['text_config', 'vocab_size', 1e12, '[1, 4194304]'],
    ['vision_config', 'image_size', 1e6, '[1, 4096]'],
  ])('%s.%s = %d is refused with the range %s', (section, key, value, range) => {
    const cfg = { ...tinyConfig, [section]: { ...tinyConfig[section], [key]: value } };
    const { error } = bounded(() => parseLlavaConfig(cfg), { seconds: 1, megabytes: 20 });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(`config.json: ${section}.${key}: expected an integer in ${range}, got ${value}`);
  });

  it('a depth the checkpoint lacks lists the missing tensors briefly (no million-row message)', () => {
    const cfg = parseLlavaConfig({ ...tinyConfig, text_config: { ...tinyConfig.text_config, num_hidden_layers: 512 } });
    const { value } = bounded(() => formatProblems('tiny', checkWeights(openSafetensorsFile(path.join(tiny, 'model.safetensors')), cfg)), { seconds: 5, megabytes: 200 });
    const lines = value!.split('\n');
    expect(lines[0]).toMatch(/^cannot load LLaVA weights from tiny: \d+ missing, 0 unexpected, 0 mis-shaped$/);
    expect(lines.length).toBeLessThan(60);
    expect(value).toMatch(/ {2}… and \d+ more/);
  });

  it('a config value nested 100,000 deep gets a message, not a stack overflow', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => parseLlavaConfig({ ...tinyConfig, text_config: { ...tinyConfig.text_config, hidden_size: deep } })).toThrow(
      'config.json: text_config.hidden_size: expected an integer in [1, 65536], got (a value nested too deep to print)',
    );
  });
});

describe('safetensors header sizes (findings 6 and 7)', () => {
  it('200,000 zero-size tensors are refused by count before JSON.parse (the campaign used 1,000,000)', () => {
    const entries = Array.from({ length: 200_000 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const file = fileWithHeader(`{${entries.join(',')}}`);
    const { error } = bounded(() => parseHeader(bytesSource('many.safetensors', file)), { seconds: 2, megabytes: 50 });
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error!.message).toBe(`many.safetensors: header has 200000 entries (limit ${MAX_HEADER_ENTRIES})`);
  });

  it('JSON nested 7,000 deep (a 14 KB file) is a SafetensorsError naming the file', () => {
    const file = fileWithHeader(`{"a":${'['.repeat(7000)}${']'.repeat(7000)}}`);
    const { error } = bounded(() => parseHeader(bytesSource('deep.safetensors', file)), { seconds: 1, megabytes: 20 });
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error!.message).toBe('deep.safetensors: header JSON nests 7001 levels deep (a header has 3; limit 8)');
  });

  it('brackets inside strings do not count as nesting', () => {
    const h = parseHeader(bytesSource('ok.safetensors', fileWithHeader('{"__metadata__":{"note":"[[[[[[[[[[{{{{{{{{\\"]]"}}')));
    expect(h.metadata.note).toBe('[[[[[[[[[[{{{{{{{{"]]');
  });
});
