/**
 * Seeded fuzzing of every parser that reads user input (issue 13): safetensors headers (deep nesting and
 * many entries included), PNG and JPEG headers and data, config.json and preprocessor_config.json,
 * region JSON and chat templates. Every case must end in a valid result or in an error of the input's
 * own type whose message starts with the input's name, within a time and heap budget. Anything else
 * (a TypeError, a RangeError from a typed array or a stack overflow, a hang) fails the test with the
 * case number and what was done to the input, which reproduces it exactly (fixed seeds).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodeJpeg } from 'jpeg-js';
import { regionsFromFlags } from '../../src/cli/regions-args.js';
import { regionWeights, RegionError } from '../../src/controlmllm/regions.js';
import { ChatTemplate } from '../../src/io/chat-template.js';
import { parseClipProcessorConfig, preprocessGeometry } from '../../src/io/clip-preprocess.js';
import { decodeImage, ImageError } from '../../src/io/image.js';
import { ConfigError, parseLlavaConfig } from '../../src/model/config.js';
import { bytesSource, SafetensorsError, SafetensorsFile, writeSafetensors } from '../../src/safetensors/index.js';
import { Rng } from '../../src/tensor/random.js';
import { buildPng } from '../io/png-builder.js';
import { bounded } from './bounded.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const BUDGET = { seconds: 2, megabytes: 300 };
const work = mkdtempSync(path.join(tmpdir(), 'fuzz-'));

/**
 * Runs `cases` mutated inputs; each either returns (then `check` validates the result) or throws an
 * error of one of `types` whose message starts with `name`.
 */
function fuzz<T>(seed: number, cases: number, name: string, types: (new (...a: never[]) => Error)[], make: (rng: Rng) => { what: string; run: () => T }, check: (v: T) => void) {
  const rng = new Rng(seed);
  const failures: string[] = [];
  const outcomes = { ok: 0, refused: 0 };
  for (let k = 0; k < cases; k++) {
    const { what, run } = make(rng);
    try {
      const { value, error } = bounded(run, BUDGET);
      if (error === undefined) {
        check(value as T);
        outcomes.ok++;
      } else if (!types.some((t) => error instanceof t) || !error.message.startsWith(name)) {
        failures.push(`case ${k} (${what}): ${error.name}: ${error.message.slice(0, 200)}`);
      } else outcomes.refused++;
    } catch (e) {
      failures.push(`case ${k} (${what}): ${(e as Error).message.slice(0, 200)}`);
    }
  }
  expect(failures).toEqual([]);
  return outcomes;
}

const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const HOSTILE_NUMBERS = [0, -1, 1, 2, 3, 7, 64, 255, 65535, 2 ** 31, 2 ** 32 + 1, 1e9, 2 ** 53, 1e308, 0.5];
const deepList = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('fuzz: safetensors headers', () => {
  const base = writeSafetensors([
    { name: 'w', dtype: 'F32', shape: [2, 3], data: Float32Array.from({ length: 6 }, (_, i) => i) },
    { name: 'h', dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0x7e00]) },
    { name: 'e', dtype: 'I64', shape: [0], data: new BigInt64Array(0) },
  ], { format: 'pt' });
  const headerLength = Number(new DataView(base.buffer).getBigUint64(0, true));
  const header = new TextDecoder().decode(base.subarray(8, 8 + headerLength));
  const withHeader = (text: string, data = base.subarray(8 + headerLength)) => {
    const h = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const mutations: ((rng: Rng) => { what: string; bytes: Uint8Array })[] = [
    (rng) => {
      const b = base.slice();
      const p = rng.int(b.length);
      b[p] = rng.int(256);
      return { what: `byte ${p} := ${b[p]}`, bytes: b };
    },
    (rng) => {
      const d = 1 + rng.int(20_000);
      return { what: `a value nested ${d} deep`, bytes: withHeader(header.replace('"shape":[2,3]', `"shape":${deepList(d)}`)) };
    },
    (rng) => {
      const d = 1 + rng.int(20_000);
      return { what: `the header nested ${d} deep`, bytes: withHeader(deepList(d)) };
    },
    (rng) => {
      const n = rng.int(2000);
      return { what: `${n} empty tensors`, bytes: withHeader(`{${Array.from({ length: n }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',')}}`, new Uint8Array(0)) };
    },
    (rng) => {
      const n = 100_001 + rng.int(20_000);
      return { what: `${n} entries`, bytes: withHeader(`{${Array.from({ length: n }, (_, i) => `"${i}":0`).join(',')}}`, new Uint8Array(0)) };
    },
    (rng) => {
      const nums = [...header.matchAll(/\d+/g)];
      const m = pick(rng, nums);
      const v = pick(rng, HOSTILE_NUMBERS);
      return { what: `number at ${m.index} := ${v}`, bytes: withHeader(header.slice(0, m.index) + v + header.slice(m.index! + m[0].length)) };
    },
    (rng) => {
      const n = rng.int(base.length);
      return { what: `truncated to ${n}`, bytes: base.subarray(0, n) };
    },
  ];
  it('every mutated header parses and reads, or is a SafetensorsError naming the file', () => {
    const r = fuzz(1301, 300, 'fuzz.safetensors', [SafetensorsError], (rng) => {
      const { what, bytes } = pick(rng, mutations)(rng);
      return { what, run: () => { const f = SafetensorsFile.open(bytesSource('fuzz.safetensors', bytes)); return f.names().map((n: string) => f.read(n)); } };
    }, (tensors) => expect(tensors.every((t) => t.data.length === t.shape.reduce((a: number, d: number) => a * d, 1))).toBe(true));
    expect(r.refused).toBeGreaterThan(100);
  });
});

describe('fuzz: PNG and JPEG', () => {
  const png = buildPng({ width: 5, height: 4, bitDepth: 8, colorType: 2, rows: Array.from({ length: 4 }, (_, y) => Uint8Array.from({ length: 15 }, (_, i) => (i * 17 + y * 40) % 256)) });
  const jpegs = [
    new Uint8Array(encodeJpeg({ data: Buffer.from(Uint8Array.from({ length: 24 * 16 * 4 }, (_, i) => (i * 13) % 256)), width: 24, height: 16 }, 80).data),
    new Uint8Array(readFileSync(path.join(fixtures, 'preprocess', 'images', 'wide_400x300_progressive.jpg'))),
  ];
  const checkImage = (img: { width: number; height: number; data: Uint8Array }) => expect(img.data.length).toBe(img.width * img.height * 3);

  it('PNG: IHDR fields, interlace, IDAT and truncations', () => {
    const r = fuzz(1302, 300, 'fuzz.png', [ImageError], (rng) => {
      const b = png.slice();
      const dv = new DataView(b.buffer);
      const kind = rng.int(5);
      let what: string;
      if (kind === 0) {
        const [w, h] = [pick(rng, HOSTILE_NUMBERS) >>> 0, pick(rng, HOSTILE_NUMBERS) >>> 0];
        dv.setUint32(16, w);
        dv.setUint32(20, h);
        what = `IHDR ${w}×${h}`;
      } else if (kind === 1) {
        b[24 + rng.int(5)] = pick(rng, [0, 1, 2, 3, 4, 6, 8, 16, 255]);
        what = `IHDR byte changed: ${[...b.subarray(24, 29)]}`;
      } else if (kind === 2) {
        b[28] = 1;
        what = 'interlace flag set on a non-interlaced stream';
      } else if (kind === 3) {
        const p = 33 + rng.int(b.length - 33);
        b[p] ^= 1 << rng.int(8);
        what = `bit flipped at ${p}`;
      } else {
        const n = rng.int(b.length);
        return { what: `truncated to ${n}`, run: () => decodeImage(b.subarray(0, n), 'fuzz.png') };
      }
      return { what, run: () => decodeImage(b, 'fuzz.png') };
    }, checkImage);
    expect(r.refused).toBeGreaterThan(50);
  });

  it('JPEG: frame size, frame type, scan headers, bytes and truncations', () => {
    const sofAt = (b: Uint8Array) => b.findIndex((v, i) => v === 0xff && b[i + 1] >= 0xc0 && b[i + 1] <= 0xc2);
    const sosAt = (b: Uint8Array) => b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xda);
    const r = fuzz(1303, 300, 'fuzz.jpg', [ImageError], (rng) => {
      const b = pick(rng, jpegs).slice();
      const kind = rng.int(5);
      let what: string;
      if (kind === 0) {
        const [w, h] = [pick(rng, HOSTILE_NUMBERS) & 0xffff, pick(rng, HOSTILE_NUMBERS) & 0xffff];
        const at = sofAt(b);
        b.set([h >> 8, h & 255, w >> 8, w & 255], at + 5);
        what = `SOF ${w}×${h}`;
      } else if (kind === 1) {
        b[sofAt(b) + 1] = pick(rng, [0xc0, 0xc1, 0xc2, 0xc3, 0xc9]);
        what = `SOF marker 0x${b[sofAt(b) + 1].toString(16)}`;
      } else if (kind === 2) {
        const at = sosAt(b);
        const ns = b[at + 4];
        b[at + 5 + 2 * ns + rng.int(3)] = rng.int(256);
        what = `SOS spectral/approximation byte changed`;
      } else if (kind === 3) {
        const p = rng.int(b.length);
        b[p] = rng.int(256);
        what = `byte ${p} := ${b[p]}`;
      } else {
        const n = rng.int(b.length);
        return { what: `truncated to ${n}`, run: () => decodeImage(b.subarray(0, n), 'fuzz.jpg') };
      }
      return { what, run: () => decodeImage(b, 'fuzz.jpg') };
    }, checkImage);
    expect(r.refused).toBeGreaterThan(50);
  });
});

describe('fuzz: configs', () => {
  const config = JSON.parse(readFileSync(path.join(fixtures, 'tiny-llava', 'config.json'), 'utf8'));
  const processor = JSON.parse(readFileSync(path.join(fixtures, 'llava-1.5-7b-hf', 'preprocessor_config.json'), 'utf8'));
  const hostileValue = (rng: Rng): unknown => pick(rng, [
    () => pick(rng, HOSTILE_NUMBERS) * (rng.uniform() < 0.3 ? -1 : 1), () => null, () => 'x', () => true, () => [], () => ({}),
    () => JSON.parse(deepList(1 + rng.int(50_000))), () => [1, 2, 3], () => ({ shortest_edge: pick(rng, HOSTILE_NUMBERS) }),
  ])();
  /** The value at a random key path of `obj` replaced (one level into sub-objects). */
  function mutate(obj: Record<string, unknown>, rng: Rng): { what: string; value: Record<string, unknown> } {
    const copy = structuredClone(obj);
    const key = pick(rng, Object.keys(copy));
    const inner = copy[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && rng.uniform() < 0.8) {
      const k2 = pick(rng, Object.keys(inner));
      (inner as Record<string, unknown>)[k2] = hostileValue(rng);
      return { what: `${key}.${k2} replaced`, value: copy };
    }
    copy[key] = hostileValue(rng);
    return { what: `${key} replaced`, value: copy };
  }
  it('config.json: a parsed config or a ConfigError naming config.json', () => {
    fuzz(1304, 300, 'config.json', [ConfigError], (rng) => {
      const { what, value } = mutate(config, rng);
      return { what, run: () => parseLlavaConfig(value) };
    }, (c) => expect(c.text_config.num_hidden_layers).toBeGreaterThan(0));
  });
  it('preprocessor_config.json: a parsed config (whose geometry is computed) or an error naming the file', () => {
    fuzz(1305, 300, 'pc.json', [Error], (rng) => {
      const { what, value } = mutate(processor, rng);
      return { what, run: () => preprocessGeometry(640, 480, parseClipProcessorConfig(value, 'pc.json'), { source: 'pc.json' }) };
    }, (g) => expect(g.size).toBeGreaterThan(0));
  });
});

describe('fuzz: region JSON and chat templates', () => {
  const geometry = preprocessGeometry(40, 30, parseClipProcessorConfig({ size: 24, crop_size: 24 }), {});
  const point = (rng: Rng) => [pick(rng, [0, 5, 39, 40, -1, 1e9, 0.5]), pick(rng, [0, 5, 29, 30, -3, 1e308])];
  const scribbles: ((rng: Rng) => string)[] = [
    () => 'null', () => '7', () => '"text"', () => '[]', () => '{}', () => '{"points": null}',
    (rng) => JSON.stringify(Array.from({ length: 1 + rng.int(6) }, () => point(rng))),
    (rng) => JSON.stringify({ points: Array.from({ length: 1 + rng.int(6) }, () => (rng.uniform() < 0.2 ? [1, 'x'] : point(rng))) }),
    (rng) => deepList(1 + rng.int(30_000)),
    (rng) => `[[1, 2], [3${rng.uniform() < 0.5 ? '' : ', 4'}]`,
  ];
  it('scribble files: region weights or a RegionError / error naming the file', () => {
    const file = path.join(work, 'scribble.json');
    fuzz(1306, 200, file, [RegionError, Error], (rng) => {
      const text = pick(rng, scribbles)(rng);
      return { what: text.slice(0, 60), run: () => { writeFileSync(file, text); return regionsFromFlags({ scribble: file }).map((p) => { try { return regionWeights(p, geometry, 4); } catch (e) { throw e instanceof RegionError ? new RegionError(`${file}: ${e.message}`) : e; } }); } };
    }, (ws) => expect(ws.every((w) => w.weights.length === 16 && w.weights.every(Number.isFinite))).toBe(true));
  });

  const pieces = [
    '{{ messages[0].content }}', '{% for m in messages %}{{ m.role }}{% endfor %}', '{% for i in range(N) %}x{% endfor %}',
    '{% for i in range(N) %}{% for j in range(N) %}{% endfor %}{% endfor %}', '{{ undefined_thing.attr }}', '{% if %}', '{{ 1 / 0 }}',
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}",
    '{{ raise_exception("bad") }}', '{% for %}', '{{ "a" ~ bos_token }}', '{%', '}}', '{{ range(N) | length }}',
  ];
  it('chat templates: a bounded string or an error naming the template', () => {
    fuzz(1307, 120, 'fuzz.jinja', [Error], (rng) => {
      const source = Array.from({ length: 1 + rng.int(3) }, () => pick(rng, pieces).replace(/N/g, String(pick(rng, [0, 3, 400, 100_000, 100_001, 3e7])))).join('');
      return { what: source.slice(0, 80), run: () => new ChatTemplate(source, { bos_token: '<s>' }, 'fuzz.jinja').render([{ role: 'user', content: 'hi' }]) };
    }, (s) => expect(s.length).toBeLessThanOrEqual(1_000_000));
  });
});
