/** The engine's error type: every message starts with the op and names the shapes, dtypes or backends. */
export class TensorError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
    this.name = 'TensorError';
  }
}
