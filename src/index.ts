/**
 * The browser-safe public API: no Node builtin is reachable from here (test/web/browser-entry.test.ts
 * bundles this file for the browser and fails on any). Node helpers — model folders on disk, image
 * files, the WebAssembly thread pool — are in src/node.ts, which re-exports all of this.
 *
 *   tensors & backends   Tensor, ops, nn ({ backend } / { like } on creation), setBackend / onBackendLog, cpu, createGpuJsBackend
 *   autograd             grad, valueAndGrad, noGrad, gradcheck
 *   model                parseLlavaConfig, loadLlavaFromSource, safetensors (bytesSource, SafetensorsFile,
 *                        ShardedCheckpoint, writeSafetensors), generate
 *   io                   RgbImage, CLIP preprocessing, heatmapOverlay / heatmapPair / colorMap, tokenizers (loadTokenizer, TextStreamer), chat templates
 *                        (PNG/JPEG decoding uses pngjs, which needs Node: in a page decode with canvas)
 *   controlmllm          askAboutRegion, visual prompts → region weights, loadSessionFromFiles(read)
 *   wasm backend         createWasmBackend({threads}): the WebAssembly SIMD kernels; its thread pool
 *                        runs on Web Workers over SharedArrayBuffer (cross-origin isolated pages) or on
 *                        one thread (see src/kernels/wasm/platform-web.ts; Node gets worker_threads)
 */

// tensors, backends, autograd
export * from './tensor/index.js';
export { grad, valueAndGrad, gradcheck, isGradEnabled, type GradOptions, type GradcheckOptions, type GradcheckResult } from './autograd/index.js';
export type { Backend, DType, Data, Layout, View } from './kernels/backend.js';
export { cpu } from './kernels/cpu/index.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions, type WasmBackendInfo } from './kernels/wasm/index.js';
export {
  createGpuJsBackend, gpuJsSupport, MAX_EXACT_INDEX,
  type GpuJsBackend, type GpuJsBackendOptions, type GpuJsMode, type GpuJsKernelMode,
} from './kernels/gpujs/index.js';

// model
export * from './model/index.js';
export * from './safetensors/index.js';

// io (no file system, no image decoders)
export { assertRgbImage, type RgbImage } from './io/rgb-image.js';
export * from './io/clip-preprocess.js';
export { colorMap, heatmapOverlay, heatmapPair, type ColorMapName, type HeatmapOptions } from './io/heatmap.js';
export {
  loadTokenizer,
  type Tokenizer, type TokenizerFiles, type LoadTokenizerOptions,
  type EncodeOptions as TokenizerEncodeOptions, type DecodeOptions as TokenizerDecodeOptions,
} from './io/tokenizer.js';
export { HfTokenizer } from './io/tokenizer-hf.js';
export { TiktokenTokenizer, ensureTiktoken } from './io/tokenizer-tiktoken.js';
export { TextStreamer, type TextStreamerOptions } from './io/text-streamer.js';
export {
  ChatTemplate, LLAVA_15_CHAT_TEMPLATE, llava15ChatTemplate, llavaPrompt,
  type ChatContentPart, type ChatMessage, type ChatTemplateFiles, type RenderOptions,
} from './io/chat-template.js';

// controlmllm
export {
  askAboutRegion, ppDefaultLayers, resolveOptions,
  type Answer, type AskInput, type AskOptions, type AskResult, type Method,
} from './controlmllm/pipeline.js';
export { encodeImage, promptIds, type Session } from './controlmllm/session.js';
export { RegionError, regionWeights, type RegionWeights, type VisualPrompt } from './controlmllm/regions.js';
export { energy, imageAttention, insideRatio, regionEnergy, type Pooling } from './controlmllm/energy.js';
export { optimizeLatent, optimizePP, optimizeV1, type LatentOptions, type LatentResult, type OptimizeResult, type PPOptions, type StepInfo, type V1Options } from './controlmllm/optimize.js';
export { makeObjective, type Objective, type ObjectiveValue } from './controlmllm/objective.js';
export { contrastiveGenerate, type ContrastiveOptions } from './controlmllm/contrastive.js';
export {
  fetchFiles, fileListFiles, loadSessionFromFiles,
  type FetchFilesOptions, type FileLike, type FileReader, type SessionFilesOptions,
} from './controlmllm/session-files.js';
