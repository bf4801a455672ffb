/**
 * `--backend cpu|wasm|gpujs[:mode]` for the commands that run a model: one choice, reported on stderr.
 * The default (wasm) falls back to the reference kernels *visibly* when the runtime lacks WebAssembly
 * SIMD or shared memory; a backend asked for explicitly that cannot start is an error naming it.
 */
import { availableParallelism } from 'node:os';
import type { Backend } from '../kernels/backend.js';
import { createGpuJsBackend } from '../kernels/gpujs/index.js';
import { createWasmBackend } from '../kernels/wasm/index.js';
import { getBackend, setBackend } from '../tensor/index.js';

export const DEFAULT_BACKEND = 'wasm';
export const backendOption = { backend: { type: 'string' }, 'wasm-arrays-mib': { type: 'string' } } as const;

/**
 * Creates and selects the backend; returns a function that releases it (worker threads) and restores the
 * previous one. `arraysMiB` (`--wasm-arrays-mib`): the wasm backend's budget for tensor storage in its
 * memory (`residentArrayBytes`; 512 by default, 0 for host arrays only: less peak memory, slower steps).
 */
export async function useBackend(spec: string | undefined, log: (s: string) => void, arraysMiB?: string): Promise<() => void> {
  if (arraysMiB !== undefined && !/^\d+$/.test(arraysMiB)) throw new Error(`--wasm-arrays-mib must be a whole number of MiB, got '${arraysMiB}'`);
  const [name, mode] = (spec ?? DEFAULT_BACKEND).split(':');
  let backend: Backend;
  let release = () => {};
  if (name === 'cpu') backend = (await import('../kernels/cpu/index.js')).cpu;
  else if (name === 'wasm') {
    const cores = availableParallelism();
    const threads = mode ? Number(mode) : Math.min(2, cores);
    // More threads than cores only adds workers (each holds a copy of the module and its memory).
    if (!/^\d+$/.test(mode ?? '1') || threads < 1 || threads > cores) {
      throw new Error(`--backend wasm:THREADS must be an integer in [1, ${cores}] (this machine has ${cores} cores), got '${mode}'`);
    }
    let wasm;
    try {
      wasm = await createWasmBackend({ threads, residentArrayBytes: arraysMiB === undefined ? undefined : Number(arraysMiB) * 2 ** 20 });
    } catch (err) {
      if (spec !== undefined) throw err; // asked for explicitly: no fallback
      log(`backend: wasm unavailable (${(err as Error).message}); using the cpu reference kernels\n`);
      return useBackend('cpu', log);
    }
    backend = wasm;
    release = () => wasm.dispose();
    log(`backend: wasm (SIMD${wasm.info.relaxed ? ' + relaxed FMA' : ''}, ${wasm.info.threads} thread${wasm.info.threads > 1 ? 's' : ''})\n`);
  } else if (name === 'gpujs') {
    const gpu = createGpuJsBackend(mode ? { mode: mode as never } : {});
    backend = gpu;
    release = () => gpu.dispose();
    log(`backend: ${gpu.name}\n`);
  } else {
    throw new Error(`--backend must be cpu, wasm[:threads] or gpujs[:mode], got '${spec}'`);
  }
  if (name === 'cpu') log('backend: cpu (plain TypeScript reference kernels)\n');
  const previous = getBackend();
  setBackend(backend);
  return () => {
    setBackend(previous);
    release();
  };
}
