/**
 * Feature detection and assembly: WAT text → wasm bytes with the `wabt` package (itself wasm), then
 * `WebAssembly.Module`. wabt's own `validate()` wrongly rejects shared memory, so it is skipped;
 * V8 validates when compiling.
 */
import { platform } from '#wasm-platform';
import wabtInit from 'wabt';
import { emitModule, type ModuleOptions } from './wat/module.js';

/** A 16-byte SIMD function: `(func (result v128) (v128.const i32x4 0 0 0 0))`. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
/** The same with `f32x4.relaxed_madd` of three zero vectors (opcode 0xfd 0x85 0x02). */
const RELAXED_PROBE_WAT = '(module (func (result v128) (f32x4.relaxed_madd (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0))))';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | null = null;
const getWabt = () => (wabtPromise ??= wabtInit());

export function assemble(wabt: Wabt, wat: string): Uint8Array<ArrayBuffer> {
  const parsed = wabt.parseWat('kernels.wat', wat, { simd: true, threads: true, relaxed_simd: true });
  try {
    parsed.resolveNames();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

export interface Features {
  simd: boolean;
  relaxed: boolean;
  sharedMemory: boolean;
}

/**
 * Detects SIMD, relaxed SIMD and shared memory. In Node 20 relaxed SIMD sits behind
 * `--experimental-wasm-relaxed-simd`; the flag is process-wide and is turned on here (before any
 * module using it is compiled) when `tryRelaxed` is set.
 */
export async function detectFeatures(tryRelaxed: boolean): Promise<Features> {
  const simd = WebAssembly.validate(SIMD_PROBE);
  const wabt = await getWabt();
  const relaxedBytes = assemble(wabt, RELAXED_PROBE_WAT);
  let relaxed = simd && WebAssembly.validate(relaxedBytes);
  if (simd && !relaxed && tryRelaxed && platform.enableRelaxedSimd) {
    await platform.enableRelaxedSimd();
    relaxed = WebAssembly.validate(relaxedBytes);
  }
  const sharedMemory = typeof SharedArrayBuffer !== 'undefined' && (() => {
    try {
      return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      return false;
    }
  })();
  return { simd, relaxed: relaxed && tryRelaxed, sharedMemory };
}

/** Emits and compiles the kernel module; throws with the features when SIMD is missing. */
export async function compileKernels(o: ModuleOptions): Promise<{ module: WebAssembly.Module; wat: string; bytes: number }> {
  const wat = emitModule(o);
  const bin = assemble(await getWabt(), wat);
  return { module: await WebAssembly.compile(bin), wat, bytes: bin.length };
}
