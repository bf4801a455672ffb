/**
 * The Node entry: everything in src/index.ts plus the helpers that touch the file system or Node's
 * threads. Browser code imports src/index.ts instead.
 *
 *   loadSession(dir)                           a model folder on disk → Session (model, tokenizer, processor, template)
 *   loadLlava(dir) / readLlavaConfig(dir)      the model alone
 *   openCheckpoint(path) / fileSource(path)    safetensors on disk (ranged reads), writeSafetensorsFile
 *   readImageFile / writePngFile               PNG / JPEG files; decodeImage / encodePng for bytes
 *   loadTokenizerFromDir / loadChatTemplateFromDir
 *   createWasmBackend({threads})               the WebAssembly SIMD backend (worker_threads)
 */
export * from './index.js';
export { loadSession } from './controlmllm/session-node.js';
export { loadLlava, openLlavaDir, readLlavaConfig } from './model/load-node.js';
export { fileSource, openCheckpoint, openSafetensorsFile, writeSafetensorsFile } from './safetensors/node.js';
export { readImageFile, writePngFile } from './io/image-node.js';
export { decodeImage, encodePng, ImageError, readHeader, sniffFormat, type DecodeOptions as ImageDecodeOptions, type ImageFormat, type ImageHeader } from './io/image.js';
export { loadTokenizerFromDir, readTiktokenWasm, readTokenizerFiles } from './io/tokenizer-node.js';
export { loadChatTemplateFromDir } from './io/chat-template-node.js';
// The WebAssembly SIMD backend (its thread pool uses worker_threads in Node).
export { createWasmBackend, type WasmBackend, type WasmBackendOptions, type WasmBackendInfo } from './kernels/wasm/index.js';
