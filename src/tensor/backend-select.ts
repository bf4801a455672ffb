/**
 * The default backend: one explicit, logged choice made by an entry point (the CLI's --backend, the web
 * worker). Creation that names no backend ({ backend } / { like }, the loader's `backend`) uses it; ops
 * run on their inputs' backend, and inputs on different backends are an error (never converted).
 */
import type { Backend } from '../kernels/backend.js';
import { cpu } from '../kernels/cpu/index.js';
import { forgetOnReuse } from './arena.js';

let current: Backend = cpu;
let log: (message: string) => void = () => {};

export function getBackend(): Backend {
  return current;
}

/** Makes `backend` the default for new tensors that name none, and reports the choice through the log hook. */
export function setBackend(backend: Backend): void {
  current = backend;
  forgetOnReuse(backend);
  log(`backend: ${backend.name}`);
}

/** Where backend choices are reported (e.g. `console.error` in the CLI). */
export function onBackendLog(fn: (message: string) => void): void {
  log = fn;
}
