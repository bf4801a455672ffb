/**
 * The worker body, as JavaScript source text, so that workers can be started from anything (ts-jest,
 * an esbuild bundle, a browser page) without a separate worker file to locate.
 *
 * Protocol over the Int32 control block at `control` (see pool.ts):
 *   word 0 generation  — bumped by the main thread for each dispatch, workers Atomics.wait on it
 *   word 1 kernel      — index into the kernel-name table; −1 asks the worker to exit
 *   word 2 params      — byte address of the parameter block
 *   word 3 pending     — workers still running; the last one to finish notifies the main thread
 *   word 4 nth         — threads taking part (workers with tid ≥ nth skip the kernel)
 *   word 5 error       — set to 1 by a worker whose kernel threw (the message goes to the console)
 */

/** `run(init)` runs the wait/compute loop; `init` = { module, memory, control, tid, names }. */
const loop = `
function run(init) {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const kernels = init.names.map((n) => instance.exports[n]);
  const ctl = new Int32Array(init.memory.buffer, init.control, 16);
  let seen = 0;
  ready();
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    const k = ctl[1];
    if (k < 0) return;
    const nth = ctl[4];
    if (init.tid < nth) {
      try {
        kernels[k](init.tid, nth, ctl[2]);
      } catch (e) {
        Atomics.store(ctl, 5, 1);
        console.error('wasm worker ' + init.tid + ': ' + (e && e.stack || e));
      }
    }
    if (Atomics.sub(ctl, 3, 1) === 1) Atomics.notify(ctl, 3);
  }
}`;

/** For `new Worker(source, { eval: true, workerData: init })` in Node. */
export const nodeWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = () => parentPort.postMessage('ready');
${loop}
run(workerData);
`;

/** For a Blob-URL Web Worker; `init` arrives as the first message. */
export const browserWorkerSource = `
const ready = () => postMessage('ready');
${loop}
onmessage = (e) => run(e.data);
`;
