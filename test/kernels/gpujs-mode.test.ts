/** GPU.js mode selection: explicit, reported as GPU.js reports it, and never a silent fallback. */
import { GPU } from 'gpu.js';
import { createGpuJsBackend, gpuJsSupport, GpuJsRuntime, type GpuJsMode } from '../../src/kernels/gpujs/index.js';
import * as T from '../../src/tensor/index.js';

describe('GPU.js backend modes', () => {
  it('reports the kernel mode GPU.js chose, in its mode field, its name and the log', () => {
    const messages: string[] = [];
    const be = createGpuJsBackend({ log: (m) => messages.push(m) });
    try {
      const gpuSays = (new GPU({ mode: 'gpu' }) as unknown as { Kernel: { mode: string } }).Kernel.mode;
      expect(be.mode).toBe(gpuSays);
      expect(be.requestedMode).toBe('gpu');
      expect(be.name).toBe(`gpujs:${gpuSays}`);
      expect(messages).toEqual([`gpujs: requested mode "gpu", running GPU.js kernel mode "${gpuSays}"`]);
      // In Node without the optional `gl` package GPU.js has no GL context: its WebAssembly kernel runs.
      if (!GPU.isHeadlessGLSupported) expect(be.mode).toBe('webasm');
    } finally {
      be.dispose();
    }
  });

  it('setBackend logs the mode through onBackendLog', () => {
    const be = createGpuJsBackend();
    const messages: string[] = [];
    const previous = T.getBackend();
    T.onBackendLog((m) => messages.push(m));
    try {
      T.setBackend(be);
      expect(messages).toEqual([`backend: gpujs:${be.mode}`]);
    } finally {
      T.setBackend(previous);
      T.onBackendLog(() => {});
      be.dispose();
    }
  });

  it('a kernel runs in the reported mode (what the compiled GPU.js kernel says)', () => {
    const be = createGpuJsBackend();
    try {
      const x = { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2], strides: [2, 1], offset: 0 };
      const out = new Float32Array(4);
      be.matmul(x, x, out);
      expect(Array.from(out)).toEqual([7, 10, 15, 22]);
      expect(be.cache.peek('kn:2×2×2×1:a1b1')?.activeMode).toBe(be.mode);
    } finally {
      be.dispose();
    }
  });

  it('a kernel whose GPU.js result is not one Float32Array is an error, not a silent reshape', () => {
    const rt = new GpuJsRuntime('gpu');
    try {
      // Returning a pair makes GPU.js hand back one Float32Array per cell.
      const pair = new Function('return function pair(a) { return [a[this.thread.x], 1]; }')() as never;
      const k = rt.compile(pair, { size: 2, constants: {} });
      expect(() => k.run(Float32Array.from([1, 2]))).toThrow(/kernel pair returned Array\(2\), expected Float32Array\(2\)/);
    } finally {
      rt.dispose();
    }
  });

  it('runs an explicitly requested GPU.js cpu mode', () => {
    const be = createGpuJsBackend({ mode: 'cpu' });
    try {
      expect(be.mode).toBe('cpu');
      const x = { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2], strides: [2, 1], offset: 0 };
      const out = new Float32Array(4);
      be.matmul(x, x, out);
      expect(Array.from(out)).toEqual([7, 10, 15, 22]);
    } finally {
      be.dispose();
    }
  });

  const support = gpuJsSupport();
  const unsupported: GpuJsMode[] = (['webgl2', 'webgl', 'headlessgl', 'webasm'] as const).filter((m) => !support[m]);

  it('in plain Node, GPU.js has no WebGL2 (the browser mode)', () => {
    expect(support.webgl2).toBe(GPU.isWebGL2Supported);
    if (typeof document === 'undefined') expect(unsupported).toContain('webgl2');
  });

  it.each(unsupported)('refuses unsupported mode %s, naming it and what GPU.js supports', (mode) => {
    expect(() => createGpuJsBackend({ mode })).toThrow(new RegExp(`mode "${mode}" is not supported in this runtime \\(GPU.js: headlessgl=`));
  });

  it.each(['webgpu', 'async', 'dev', 'vulkan'])('refuses the asynchronous, mock or unknown mode %s', (mode) => {
    expect(() => createGpuJsBackend({ mode: mode as GpuJsMode })).toThrow(new RegExp(`mode "${mode}"`));
  });
});
