/**
 * The Node entry: everything in src/index.ts plus the helpers that touch the file system or Node's
 * threads. Browser code imports src/index.ts instead.
 *
 *   loadSession(dir)                           a model folder on disk → Session (model, tokenizer, processor, template)
 *   loadLlava(dir) / readLlavaConfig(dir)      the model alone
 *   openCheckpoint(path) / fileSource(path)    safetensors on disk (ranged reads), writeSafetensorsFile, SafetensorsSpool
 *   readImageFile / writePngFile               PNG / JPEG files; decodeImage / encodePng for bytes
 *   loadTokenizerFromDir / loadChatTemplateFromDir
 *   createWasmBackend({threads})               (from index.ts) its thread pool uses worker_threads here
 *   evaluate / mergeAnswers / readQuestionFile the official evaluation (src/eval): run, merge shards, read questions
 *   isCorrect / bleu / ciderD / ptbTokenize    the official scoring rule and the COCO caption metrics
 */
export * from './index.js';
export { loadSession } from './controlmllm/session-node.js';
export { loadLlava, openLlavaDir, readLlavaConfig } from './model/load-node.js';
export { fileSource, openCheckpoint, openSafetensorsFile, writeSafetensorsFile } from './safetensors/node.js';
export { SafetensorsSpool } from './safetensors/spool-node.js';
export { readImageFile, writePngFile } from './io/image-node.js';
export { decodeImage, encodePng, ImageError, readHeader, sniffFormat, type DecodeOptions as ImageDecodeOptions, type ImageFormat, type ImageHeader } from './io/image.js';
export { loadTokenizerFromDir, readTiktokenWasm, readTokenizerFiles } from './io/tokenizer-node.js';
export { loadChatTemplateFromDir } from './io/chat-template-node.js';
// The evaluation protocol (src/eval).
export { evaluate, type EvalRequest, type EvalOutcome } from './eval/evaluate.js';
export { mergeAnswers } from './eval/merge.js';
export { readQuestionFile, type QuestionFile } from './eval/questions-official.js';
export { buildReport, markdownReport, type Report } from './eval/report.js';
export { isCorrect, normaliseName, normaliseSynonyms, removeNotPhrases } from './eval/score.js';
export { bleu, captionScores, ciderD, ptbTokenize } from './eval/metrics.js';
