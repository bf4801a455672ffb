/**
 * Messages between the page (main.ts) and the model worker (worker.ts). Everything here survives
 * structured cloning: plain objects, typed arrays and File objects.
 */
import type { AskOptions, ClipProcessorConfig, PreprocessGeometry, RgbImage, VisualPrompt } from '../../src/index.js';

import type { BackendChoice } from './backend-choice.js';

export type { BackendChoice };

export type ModelSource = { kind: 'url'; base: string; label: string } | { kind: 'files'; files: File[]; label: string };

/** The knobs the page exposes (a subset of AskOptions; the rest keep their defaults). */
export interface DemoOptions {
  method: 'v1' | 'pp';
  steps: number;
  alpha: number;
  maxNewTokens: number;
  earlyStop: boolean;
  /** Learning rate; null keeps the method's default. */
  lr?: number | null;
  /** Decoder layers pooled by the energy; null keeps the method's default. */
  layers?: number[] | null;
}

/** The page's options as askAboutRegion options (the worker and the Node parity test both use this). */
export function askOptions(o: DemoOptions): AskOptions {
  return {
    method: o.method,
    steps: o.steps,
    alpha: o.alpha,
    maxNewTokens: o.maxNewTokens,
    earlyStopPct: o.earlyStop ? undefined : null,
    ...(o.lr != null ? { lr: o.lr } : {}),
    ...(o.layers != null ? { layers: o.layers } : {}),
  };
}

export interface AskRequest {
  image: RgbImage;
  question: string;
  regions: VisualPrompt[];
  options: DemoOptions;
}

export type ToWorker =
  | { type: 'load'; source: ModelSource; backend: BackendChoice; threads?: number }
  | { type: 'ask'; id: number; request: AskRequest };

export interface ModelInfo {
  name: string;
  imageSize: number;
  grid: number;
  layers: number;
  hidden: number;
  vocab: number;
  parameters: number;
  seconds: number;
  /** The image processor config: the page computes the crop and token grid of an image from it. */
  processor: ClipProcessorConfig;
}

export interface DemoAnswer {
  text: string;
  tokens: number[];
}

export interface DemoResult {
  id: number;
  /** The heatmaps' shared colour scale (pooled attention per visual token). */
  scale: { min: number; max: number };
  /** In-region share per optimisation step (AskResult.stepInsideRatios). */
  stepInsideRatios: number[];
  /** Whether any region is soft (scribble, point): the in-region share is then Gaussian-weighted. */
  soft: boolean;
  prompt: string;
  method: 'v1' | 'pp';
  baseline: DemoAnswer;
  controlled: DemoAnswer;
  losses: number[];
  steps: number;
  stop: string;
  warnings: string[];
  insideRatio: { before: number; after: number };
  attention: { grid: number; before: Float32Array; after: Float32Array };
  geometry: PreprocessGeometry;
  timings: { encode: number; baseline: number; optimize: number; controlled: number; total: number };
  /** The image with the pooled attention overlaid, before and after, on one colour scale. */
  heatmaps: { before: RgbImage; after: RgbImage };
  backend: string;
}

export type FromWorker =
  /** The backend in use and why it was chosen (never a silent fallback). */
  | { type: 'backend'; name: string; label: string; reason: string; threads?: number }
  /** fraction: of the weights received, when the size is known. */
  | { type: 'progress'; message: string; fraction?: number }
  | { type: 'loaded'; info: ModelInfo }
  | { type: 'phase'; id: number; phase: 'encode' | 'baseline' | 'optimize' | 'controlled' | 'heatmaps' }
  | { type: 'step'; id: number; step: number; loss: number; insideRatio: number; seconds: number }
  | { type: 'token'; id: number; which: 'baseline' | 'controlled'; token: number; text: string }
  | { type: 'result'; result: DemoResult }
  | { type: 'error'; id?: number; message: string };
