/**
 * Safetensors reading and writing: the public entry point (browser-safe; no Node imports).
 *
 *   SafetensorsFile.open(src)        one file: strict header validation, lazy tensor reads
 *   ShardedCheckpoint.open(...)      model.safetensors.index.json + its shards, cross-checked
 *   writeSafetensors(tensors, meta)  the bytes of a file, laid out like the Python writer
 *   f16ToF32 / f32ToF16 / bf16ToF32 / f32ToBf16   exact decode, round-to-nearest-even encode
 *
 * Files on disk: see node.ts (fileSource, openCheckpoint, writeSafetensorsFile).
 * The pieces live in {format,half,decode,file,write,sharded}.ts, which read top to bottom.
 */
export {
  DTYPE_SIZE, MAX_HEADER_BYTES, SafetensorsError, bytesSource, isStDtype,
  type ByteSource, type StDtype, type StoredTensor, type TensorInfo, type TensorSource,
} from './format.js';
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.js';
export { SafetensorsFile } from './file.js';
export { ShardedCheckpoint } from './sharded.js';
export { writeSafetensors, type TensorToWrite } from './write.js';
