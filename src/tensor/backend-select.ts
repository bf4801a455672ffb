/**
 * Backend selection: one explicit, logged choice. New tensors are created on the current backend;
 * ops run on their inputs' backend, and inputs on different backends are an error (never converted).
 */
import type { Backend } from '../kernels/backend.js';
import { cpu } from '../kernels/cpu/index.js';
import { forgetOnReuse } from './arena.js';

let current: Backend = cpu;
let log: (message: string) => void = () => {};

export function getBackend(): Backend {
  return current;
}

/** Makes `backend` the default for new tensors, and reports the choice through the log hook. */
export function setBackend(backend: Backend): void {
  current = backend;
  forgetOnReuse(backend);
  log(`backend: ${backend.name}`);
}

/** Runs `fn` with `backend` as the default, restoring the previous one afterwards (even on error). */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = current;
  current = backend;
  forgetOnReuse(backend);
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Where backend choices are reported (e.g. `console.error` in the CLI). */
export function onBackendLog(fn: (message: string) => void): void {
  log = fn;
}
