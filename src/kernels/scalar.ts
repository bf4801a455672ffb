/**
 * The scalar table: one row per elementwise op, with its derivative. Every backend computes these
 * same formulas; the reference backend calls them directly, faster backends have a parity test.
 */

// Module-scope aliases: a global lookup per element is slow where the code runs in a vm context (jest).
const { abs, exp, sign, sqrt, tanh } = Math;
const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / sqrt(Math.PI);
const SQRT_2_OVER_PI = sqrt(2 / Math.PI);

/**
 * erf(x) to full double precision: erf(x) = 2/√π · e^{-x²} · Σ_n 2ⁿ x^{2n+1} / (1·3·…·(2n+1)).
 * All terms are positive (no cancellation); beyond |x| = 6, erf is ±1 in double precision.
 */
export function erf(x: number): number {
  const ax = abs(x);
  if (ax >= 6) return sign(x);
  if (ax === 0) return x;
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sign(x) * TWO_OVER_SQRT_PI * exp(-x2) * sum;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)));

interface UnaryRow {
  /** y = f(x) */
  f: (x: number) => number;
  /** dy/dx, given x and y = f(x) */
  df: (x: number, y: number) => number;
}

export const unaryTable = {
  neg: { f: (x) => -x, df: () => -1 },
  exp: { f: Math.exp, df: (_x, y) => y },
  log: { f: Math.log, df: (x) => 1 / x },
  sqrt: { f: Math.sqrt, df: (_x, y) => 0.5 / y },
  rsqrt: { f: (x) => 1 / sqrt(x), df: (x, y) => (-0.5 * y) / x },
  square: { f: (x) => x * x, df: (x) => 2 * x },
  abs: { f: Math.abs, df: (x) => sign(x) },
  tanh: { f: Math.tanh, df: (_x, y) => 1 - y * y },
  sigmoid: { f: sigmoid, df: (_x, y) => y * (1 - y) },
  /** x·σ(x) */
  silu: {
    f: (x) => x * sigmoid(x),
    df: (x) => {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    },
  },
  /** Exact GELU: ½x(1 + erf(x/√2)). */
  gelu: {
    f: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
    df: (x) => 0.5 * (1 + erf(x * SQRT1_2)) + (x * exp(-0.5 * x * x)) / sqrt(2 * Math.PI),
  },
  /** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  gelu_tanh: {
    f: (x) => 0.5 * x * (1 + tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
    df: (x) => {
      const t = tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    },
  },
  /** CLIP's quick_gelu: x·σ(1.702x). */
  quick_gelu: {
    f: (x) => x * sigmoid(1.702 * x),
    df: (x) => {
      const s = sigmoid(1.702 * x);
      return s + 1.702 * x * s * (1 - s);
    },
  },
} satisfies Record<string, UnaryRow>;

export type UnaryOp = keyof typeof unaryTable;

export const binaryTable = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  maximum: (a: number, b: number) => (a >= b ? a : b),
  /** 1 where equal, else 0 (not differentiable; used for masks). */
  eq: (a: number, b: number) => (a === b ? 1 : 0),
  /** 1 where a > b, else 0 (not differentiable). */
  gt: (a: number, b: number) => (a > b ? 1 : 0),
} satisfies Record<string, (a: number, b: number) => number>;

export type BinaryOp = keyof typeof binaryTable;
