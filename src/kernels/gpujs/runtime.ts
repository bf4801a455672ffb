/**
 * The one file that touches gpu.js: a small typed adapter over its `GPU` class.
 *
 * GPU.js picks a "kernel" implementation per mode: `webgl2` / `webgl` in a browser, `headlessgl` in
 * Node with the optional `gl` package, `webasm` (its generated-WebAssembly backend) where no GL context
 * exists, and `cpu` (generated JavaScript). `gpu` asks GPU.js for its best GPU-class kernel in the order
 * headlessgl > webgl2 > webgl > webasm. Only synchronous modes are offered here: `webgpu` and `async`
 * return promises, and `dev` is a mock.
 *
 * No silent fallback: a mode the runtime lacks is refused with the list of what it has, and a compiled
 * kernel that GPU.js quietly degraded to its CPU kernel (it does that on unsupported arguments) is an
 * error naming both modes.
 */
import { GPU } from 'gpu.js';

/** Modes the caller may request. `gpu` resolves to GPU.js's best GPU-class kernel (reported). */
export type GpuJsMode = 'gpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';
/** The kernel implementation that actually runs. */
export type GpuJsKernelMode = Exclude<GpuJsMode, 'gpu'>;

const REQUESTABLE: readonly GpuJsMode[] = ['gpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];
const ASYNC_OR_MOCK: Record<string, string> = {
  webgpu: 'its results are promises (asynchronous)',
  async: 'its results are promises (asynchronous)',
  dev: 'it is a mock for debugging, not a compute mode',
};

/** What GPU.js says this runtime supports, one flag per kernel mode. */
export function gpuJsSupport(): Record<GpuJsKernelMode, boolean> {
  return {
    headlessgl: GPU.isHeadlessGLSupported,
    webgl2: GPU.isWebGL2Supported,
    webgl: GPU.isWebGLSupported,
    webasm: GPU.isWebAssemblySupported,
    cpu: true,
  };
}

function describeSupport(): string {
  const s = gpuJsSupport();
  return (Object.keys(s) as GpuJsKernelMode[]).map((m) => `${m}=${s[m]}`).join(', ');
}

/** `this` inside a kernel function: the thread id and the constants baked in at compile time. */
export interface KernelThis {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: Readonly<Record<string, number>>;
}

/** Settings a compiled kernel is built with; the output is always 1-D so results are one typed array. */
export interface KernelSpec {
  /** number of output cells (thread.x runs over 0 .. size-1) */
  size: number;
  /** integer constants, baked into the generated code */
  constants: Record<string, number>;
}

/** A compiled kernel: typed arrays in, a fresh Float32Array out. */
export interface CompiledKernel {
  run(...args: Float32Array[]): Float32Array;
  /** The kernel mode GPU.js actually ran the last call with (`null` before the first call). */
  readonly activeMode: string | null;
  dispose(): void;
}

/** Minimal view of a gpu.js kernel shortcut, as far as this adapter uses it. */
interface Shortcut {
  (...args: Float32Array[]): unknown;
  kernel?: { constructor: { mode?: string } };
  destroy(removeCanvasReferences?: boolean): void;
}

/** A GPU.js instance pinned to one kernel mode. */
export class GpuJsRuntime {
  /** The kernel mode in use, as GPU.js reports it (`gpu.Kernel.mode`). */
  readonly mode: GpuJsKernelMode;
  private readonly gpu: GPU;

  constructor(readonly requested: GpuJsMode) {
    if (requested in ASYNC_OR_MOCK) {
      throw new Error(`gpujs: mode "${requested}" is not usable: ${ASYNC_OR_MOCK[requested]}; the engine runs ops synchronously. Use one of ${REQUESTABLE.join(', ')}`);
    }
    if (!REQUESTABLE.includes(requested)) {
      throw new Error(`gpujs: unknown mode "${requested}"; expected one of ${REQUESTABLE.join(', ')}`);
    }
    try {
      this.gpu = new GPU({ mode: requested });
    } catch (e) {
      throw new Error(`gpujs: mode "${requested}" is not supported in this runtime (GPU.js: ${describeSupport()}): ${(e as Error).message}`);
    }
    const kernelMode = (this.gpu as unknown as { Kernel: { mode: string } }).Kernel.mode;
    if (!REQUESTABLE.includes(kernelMode as GpuJsMode)) {
      throw new Error(`gpujs: mode "${requested}" resolved to GPU.js kernel "${kernelMode}", which this backend does not run`);
    }
    this.mode = kernelMode as GpuJsKernelMode;
  }

  /**
   * Compiles `source` (a plain function over `this: KernelThis`; it is sent to GPU.js as source text,
   * so it must not close over anything) in single precision, without pipelining, to a 1-D output.
   */
  compile(source: (this: KernelThis, ...args: never[]) => number, spec: KernelSpec): CompiledKernel {
    const shortcut = this.gpu.createKernel(source.toString(), {
      output: [spec.size],
      constants: spec.constants,
      precision: 'single',
      pipeline: false,
      tactic: 'precision',
    }) as unknown as Shortcut;
    const expected = this.mode;
    let activeMode: string | null = null;
    return {
      run(...args: Float32Array[]): Float32Array {
        const result = shortcut(...args);
        activeMode = shortcut.kernel?.constructor.mode ?? null;
        if (activeMode !== expected) {
          throw new Error(`gpujs: kernel ${source.name} (${spec.size} cells) ran in mode "${activeMode}" instead of "${expected}" (GPU.js fell back)`);
        }
        if (!(result instanceof Float32Array) || result.length !== spec.size) {
          throw new Error(`gpujs: kernel ${source.name} returned ${describe(result)}, expected Float32Array(${spec.size})`);
        }
        return result;
      },
      get activeMode() {
        return activeMode;
      },
      dispose: () => shortcut.destroy(),
    };
  }

  /** Releases every kernel this runtime compiled. */
  dispose(): void {
    this.gpu.destroy();
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  const name = (x as object).constructor?.name ?? typeof x;
  const length = (x as { length?: number }).length;
  return length === undefined ? name : `${name}(${length})`;
}
