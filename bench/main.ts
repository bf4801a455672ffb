/**
 * Kernel bench: the engine's backends (bench/backends.ts) against onnxruntime-web (1 and 2 threads)
 * and tfjs-backend-wasm (1 thread), in one run. For every case each contender is first validated
 * against a float64 reference at the benchmarked shape (sampled rows for the big GEMMs), then timed
 * with benchmark.js. Prints a table (GFLOP/s or Melem/s from the best sample, ratio to the best
 * peer, max relative error) and writes bench/RESULTS.md.
 *
 *   npx esbuild bench/main.ts --bundle --platform=node --format=esm --outfile=dist/bench.mjs \
 *     --external:onnxruntime-web --external:@tensorflow/* --external:wabt --external:benchmark && node dist/bench.mjs
 * Options: --quick (short timings, small cases only), --only=<substring of a case name>.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import type { Backend, View } from '../src/kernels/backend.js';
import { cpu } from '../src/kernels/cpu/index.js';
import { f16Value } from '../src/kernels/cpu/half.js';
import { HalfWeight } from '../src/tensor/half.js';
import { benchBackends } from './backends.js';
import { randomData } from './random-data.js';
import { STEP_DESCRIPTION, benchControlmllmStep, benchPooling } from './controlmllm-step.js';
import { Peer, type PeerTask, type Timing } from './peers.js';
import { MainThreadOrt } from './ort-main.js';
import { benchLlavaStep } from './llava-step.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const MAX_TIME = quick ? 0.3 : 1.2;
const MIN_SAMPLES = quick ? 2 : 5;
/** Seconds per call above which a contender is timed by two calls instead of benchmark.js. */
const SLOW_CALL = 0.5;
/** tfjs-backend-wasm's matmul runs at about 1 GFLOP/s: larger GEMMs would take most of the run. */
const TFJS_MAX_FLOPS = 2e9;
/** Relative error above which a contender's result is rejected (not timed). */
const TOLERANCE = 1e-4;

// ---------------------------------------------------------------- data

/** Round-to-nearest-even float32 → f16 bits (values here are small and normal). */
function toF16(x: Float32Array): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    f[0] = x[i];
    const b = u[0];
    const sign = (b >>> 16) & 0x8000;
    const e = ((b >>> 23) & 0xff) - 127 + 15;
    if (e <= 0) {
      out[i] = sign; // flush tiny values (|x| < 6e-5) to zero: the reference widens the same bits
      continue;
    }
    let m = (b >>> 13) & 0x3ff;
    const rest = b & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && m & 1)) m++;
    out[i] = sign | ((e << 10) + m);
  }
  return out;
}

// ---------------------------------------------------------------- cases

interface Case {
  name: string;
  /** flops per call (GEMM) or elements (softmax) */
  work: number;
  unit: 'GFLOP/s' | 'Melem/s';
  /** rows of the output that are validated */
  rows: number[];
  /** float64 reference of those rows for the peers (float32 weights) */
  reference: Float64Array[];
  /** the engine's variants of the case (e.g. float32 weights, F16 weights), each with its reference */
  ours: Array<{ label: string; run: (be: Backend, out: Float32Array) => void; reference: Float64Array[] }>;
  outSize: number;
  rowLength: number;
  peerTask: PeerTask;
}

function sampleRows(M: number): number[] {
  if (M <= 8) return [...Array(M).keys()];
  return [0, 1, Math.floor(M / 3), Math.floor(M / 2), M - 7, M - 2, M - 1];
}

/** y = x · Wᵀ, W [N, K] a Linear weight (the transposed-B layout); optionally also from F16 bits. */
function gemmCase(M: number, K: number, N: number, withF16: boolean): Case {
  const x = randomData(M * K, M + K);
  const W = randomData(N * K, N + K).map((v) => v * 0.05);
  const a: View = { data: x, shape: [M, K], strides: [K, 1], offset: 0 };
  const b: View = { data: W, shape: [K, N], strides: [1, K], offset: 0 };
  const rows = sampleRows(M);
  const bits = withF16 ? toF16(W) : null;
  const refRows = (w: ArrayLike<number>) => rows.map((i) => {
    const y = new Float64Array(N);
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[i * K + k] * w[n * K + k];
      y[n] = acc;
    }
    return y;
  });
  const reference = refRows(W);
  const ours: Case['ours'] = [{ label: '', run: (be, out) => be.matmul(a, b, out), reference }];
  if (bits) {
    // as a model holds it: a HalfWeight made on the backend (the wasm backend adopts its bits), once per backend
    const weights = new Map<Backend, HalfWeight>();
    const run = (be: Backend, out: Float32Array) => {
      if (!be.matmulHalf) throw new Error(`${be.name} has no matmulHalf`);
      if (!weights.has(be)) weights.set(be, new HalfWeight(Uint16Array.from(bits), [N, K], 'f16', be));
      be.matmulHalf(a, weights.get(be)!, out);
    };
    const table = new Float64Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16Value(h);
    const wide = new Float32Array(N * K); // exact: every f16 value is a float32
    for (let i = 0; i < wide.length; i++) wide[i] = table[bits[i]];
    ours.push({ label: ' F16 weights', run, reference: refRows(wide) });
  }
  return {
    name: M === 1 ? `gemv 1×${K}×${N}` : `gemm ${M}×${K}×${N}`,
    work: 2 * M * K * N,
    unit: 'GFLOP/s',
    rows,
    reference,
    ours,
    outSize: M * N,
    rowLength: N,
    peerTask: { op: 'matmul', M, K, N, W, x },
  };
}

function softmaxCase(rows: number, n: number): Case {
  const x = randomData(rows * n, 7).map((v) => v * 8);
  const v: View = { data: x, shape: [rows, n], strides: [n, 1], offset: 0 };
  const ref = new Float64Array(rows * n);
  cpu.softmax({ ...v, data: Float64Array.from(x) }, ref, false);
  const all = [...Array(rows).keys()];
  const refRows = all.map((i) => ref.subarray(i * n, (i + 1) * n));
  return {
    name: `softmax ${rows}×${n}`,
    work: rows * n,
    unit: 'Melem/s',
    rows: all,
    reference: refRows,
    ours: [{ label: '', run: (be, out) => be.softmax(v, out, false), reference: refRows }],
    outSize: rows * n,
    rowLength: n,
    peerTask: { op: 'softmax', rows, n, x },
  };
}

/** max |y − ref| / max |ref| over the validated rows. */
function relError(y: Float32Array, rows: number[], ref: Float64Array[], rowLength: number): number {
  let err = 0;
  let scale = 0;
  rows.forEach((i, r) => {
    for (let j = 0; j < rowLength; j++) {
      const d = Math.abs(y[i * rowLength + j] - ref[r][j]);
      err = Number.isNaN(d) ? Infinity : Math.max(err, d);
      scale = Math.max(scale, Math.abs(ref[r][j]));
    }
  });
  return err / scale;
}

// ---------------------------------------------------------------- timing

/**
 * benchmark.js timing; a contender slower than SLOW_CALL seconds per call is instead timed as the
 * best of two calls (benchmark.js would insist on several samples of it).
 */
function benchSync(fn: () => void, firstCall: number): Promise<Timing> {
  if (firstCall > SLOW_CALL) {
    const times = [0, 1].map(() => {
      const t = performance.now();
      fn();
      return (performance.now() - t) / 1e3;
    });
    return Promise.resolve({ mean: (times[0] + times[1]) / 2, best: Math.min(...times), rme: NaN, samples: 2 });
  }
  return new Promise((resolve, reject) => {
    const b = new Benchmark('ours', { fn, maxTime: MAX_TIME, minSamples: MIN_SAMPLES, initCount: 1 });
    b.on('complete', () => resolve({ mean: b.stats.mean, best: Math.min(...b.stats.sample), rme: b.stats.rme, samples: b.stats.sample.length }));
    b.on('error', () => reject(b.error));
    b.run();
  });
}

interface Row {
  case: string;
  contender: string;
  peer: boolean;
  timing: Timing | null;
  rate: number;
  err: number;
  note?: string;
}

async function main() {
  const cases: Array<() => Case> = quick
    ? [() => gemmCase(577, 1024, 1024, false), () => gemmCase(1, 4096, 4096, true), () => softmaxCase(9232, 600)]
    : [
        () => gemmCase(577, 1024, 1024, false),
        () => gemmCase(256, 4096, 4096, false),
        () => gemmCase(128, 4096, 11008, true),
        () => gemmCase(1, 4096, 4096, true),
        () => gemmCase(1, 4096, 32064, true),
        () => softmaxCase(9232, 600),
      ];
  console.log(`kernel bench — ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}`);
  const ours = await Promise.all(benchBackends.map(async (b) => ({ spec: b, backend: await b.create() })));
  for (const o of ours) console.log(`${o.spec.name}: ${JSON.stringify((o.backend as { info?: unknown }).info ?? {})}`);
  // onnxruntime-web runs on the main thread, as its users run it (one thread count per process: 2);
  // tfjs-backend-wasm stays in a worker thread (single-threaded either way).
  const peers = [await MainThreadOrt.start(2), await Peer.start('tfjs', 1)];
  const table: Row[] = [];
  const started = Date.now();
  const loadBefore = os.loadavg()[0];

  for (const make of cases) {
    const c = make();
    if (only && !c.name.includes(only)) continue;
    console.log(`\n${c.name}`);
    const rowsOf: Row[] = [];
    const report = (r: Row) => {
      rowsOf.push(r);
      const t = r.timing ? `best ${(r.timing.best * 1e3).toFixed(2)} ms, mean ${(r.timing.mean * 1e3).toFixed(2)} ms ±${r.timing.rme.toFixed(0)}%  ${r.rate.toFixed(1)} ${c.unit}` : r.note;
      console.log(`  ${r.contender.padEnd(28)} ${t}  err ${r.err.toExponential(1)}`);
    };
    for (const { spec, backend } of ours) {
      if (spec.skip?.(c.name)) continue;
      for (const variant of c.ours) {
        const contender = spec.name + variant.label;
        const out = new Float32Array(c.outSize);
        let firstCall = 0;
        try {
          const t = performance.now();
          variant.run(backend, out);
          firstCall = (performance.now() - t) / 1e3;
        } catch (e) {
          report({ case: c.name, contender, peer: false, timing: null, rate: 0, err: NaN, note: `failed: ${(e as Error).message}` });
          continue;
        }
        const err = relError(out, c.rows, variant.reference, c.rowLength);
        if (!(err <= TOLERANCE)) {
          report({ case: c.name, contender, peer: false, timing: null, rate: 0, err, note: 'REJECTED (error)' });
          continue;
        }
        const timing = await benchSync(() => variant.run(backend, out), firstCall);
        report({ case: c.name, contender, peer: false, timing, rate: c.work / timing.best / (c.unit === 'GFLOP/s' ? 1e9 : 1e6), err });
      }
    }
    for (const peer of peers) {
      const contender = peer.name;
      if (peer.name.startsWith('tfjs') && c.work > TFJS_MAX_FLOPS) {
        report({ case: c.name, contender, peer: true, timing: null, rate: 0, err: NaN, note: 'skipped (about 1 GFLOP/s: > 10 s per call)' });
        continue;
      }
      try {
        await peer.setup(c.peerTask);
        const y = await peer.run();
        const err = relError(y, c.rows, c.reference, c.rowLength);
        if (!(err <= TOLERANCE)) {
          report({ case: c.name, contender, peer: true, timing: null, rate: 0, err, note: 'REJECTED (error)' });
        } else {
          const timing = await peer.bench(MAX_TIME, MIN_SAMPLES, SLOW_CALL);
          report({ case: c.name, contender, peer: true, timing, rate: c.work / timing.best / (c.unit === 'GFLOP/s' ? 1e9 : 1e6), err });
        }
      } catch (e) {
        report({ case: c.name, contender, peer: true, timing: null, rate: 0, err: NaN, note: `failed: ${(e as Error).message.split('\n')[0]}` });
      } finally {
        await peer.teardown().catch(() => undefined);
      }
    }
    table.push(...rowsOf);
  }
  for (const o of ours) o.backend.dispose?.();
  await Promise.all(peers.map((p) => p.stop()));
  let md = render(table, (Date.now() - started) / 1000, [loadBefore, os.loadavg()[0]]);
  if (!only) {
    console.log('\nControlMLLM step (end to end) …');
    md += `\n## One ControlMLLM step, end to end\n\n${STEP_DESCRIPTION}\n\n${await benchControlmllmStep()}\n`;
    md += `\n### Buffer reuse (tidy scopes) on the same model, wasm 1 thread, pool off/on interleaved\n\n${await benchPooling()}\n`;
    console.log('\nControlMLLM step on LLaVA-1.5 geometry (sizes s, m) vs PyTorch …');
    md += `\n## One ControlMLLM step on LLaVA-1.5's geometry, vs PyTorch\n\n${await benchLlavaStep()}\n`;
  }
  console.log('\n' + md);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'RESULTS.md');
  if (!only && !quick) writeResults(file, md);
}

/** The line in RESULTS.md below which this bench writes; what is above it (rows measured by their own commands) is kept. */
const GENERATED_BELOW = '<!-- `npm run bench` replaces everything below this line; the sections above are measured by their own commands and kept -->';

/** Replaces the generated part of RESULTS.md (below GENERATED_BELOW), keeping the hand-measured sections above it. */
function writeResults(file: string, md: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(GENERATED_BELOW);
  const kept = at >= 0 ? old.slice(0, at) : '# Bench results\n\n';
  writeFileSync(`${file}.tmp`, `${kept}${GENERATED_BELOW}\n\n${md}`);
  renameSync(`${file}.tmp`, file);
}

/** The results table; ratios are to the best timed peer of the same case. */
function render(rows: Row[], seconds: number, load: number[]): string {
  const lines = [
    `| case | contender | best ms | mean ms (±rme) | rate (best) | × best peer | max rel err |`,
    `|---|---|---:|---:|---:|---:|---:|`,
  ];
  for (const name of [...new Set(rows.map((r) => r.case))]) {
    const rs = rows.filter((r) => r.case === name);
    const bestPeer = Math.max(0, ...rs.filter((r) => r.peer && r.timing).map((r) => r.rate));
    const unit = name.startsWith('softmax') ? 'Melem/s' : 'GFLOP/s';
    for (const r of rs) {
      const ratio = r.timing && bestPeer > 0 ? `${(r.rate / bestPeer).toFixed(2)}×` : '';
      const best = r.timing ? (r.timing.best * 1e3).toFixed(2) : r.note ?? '';
      const spread = r.timing && Number.isNaN(r.timing.rme) ? `(${r.timing.samples} calls)` : `(±${r.timing?.rme.toFixed(0)}%)`;
      const mean = r.timing ? `${(r.timing.mean * 1e3).toFixed(2)} ${spread}` : '';
      const rate = r.timing ? `${r.rate.toFixed(1)} ${unit}` : '';
      lines.push(`| ${name} | ${r.contender} | ${best} | ${mean} | ${rate} | ${ratio} | ${Number.isNaN(r.err) ? '—' : r.err.toExponential(1)} |`);
    }
  }
  const cpuModel = os.cpus()[0]?.model ?? 'cpu';
  return `## Kernels\n\n${cpuModel} ×${os.cpus().length}, node ${process.version}, one run of bench/main.ts (${seconds.toFixed(0)} s, ` +
    `1-minute load average ${load.map((l) => l.toFixed(1)).join(' → ')} on ${os.cpus().length} cores: other processes were running). ` +
    `Contenders are validated against a float64 reference at the benchmarked shape (sampled rows for GEMMs) before they are timed ` +
    `with benchmark.js. Rates and ratios use the best sample (the machine is shared: means carry other processes' load); ` +
    `"× best peer" divides by the fastest of onnxruntime-web 2T (main thread) and tfjs-backend-wasm (worker thread) on that case (peers multiply float32 weights).\n\n${lines.join('\n')}\n`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
