/**
 * Safetensors reading and writing: the public entry point (browser-safe; no Node imports).
 *
 *   SafetensorsFile.open(src)        one file: strict header validation, lazy tensor reads
 *   ShardedCheckpoint.open(...)      model.safetensors.index.json + its shards, cross-checked
 *   writeSafetensors(tensors, meta)  the bytes of a file, laid out like the Python writer
 *   f16ToF32 / f32ToF16 / bf16ToF32 / f32ToBf16   exact decode, round-to-nearest-even encode
 *
 * Files on disk: see safetensors-node.ts (fileSource, openCheckpoint, writeSafetensorsFile).
 * The pieces live in safetensors-{format,half,decode,file,write,sharded}.ts, which read top to bottom.
 */
export {
  DTYPE_SIZE, MAX_HEADER_BYTES, SafetensorsError, bytesSource, isStDtype,
  type ByteSource, type StDtype, type StoredTensor, type TensorInfo, type TensorSource,
} from './safetensors-format.js';
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './safetensors-half.js';
export { SafetensorsFile } from './safetensors-file.js';
export { ShardedCheckpoint } from './safetensors-sharded.js';
export { writeSafetensors, type TensorToWrite } from './safetensors-write.js';
