/**
 * One safetensors file: the header is read and validated strictly when the file is opened; tensor bytes
 * are read lazily, one tensor's byte range at a time, when asked for.
 *
 * No Node imports: this file runs in the browser bundle too (pair it with a fetch- or File-backed ByteSource).
 */
import { decodeFloat32, decodeFloat64, decodeStored } from './decode.js';
import {
  parseHeader, SafetensorsError,
  type ByteSource, type StoredTensor, type TensorInfo, type TensorSource,
} from './format.js';

export class SafetensorsFile implements TensorSource {
  /** The bytes behind this file. */
  readonly source: ByteSource;
  /** The `__metadata__` map ({} when absent). */
  readonly metadata: Record<string, string>;
  /** File offset where the data section starts (8 + header length). */
  readonly dataStart: number;
  private readonly tensors: Map<string, TensorInfo>;

  private constructor(source: ByteSource) {
    const header = parseHeader(source);
    this.source = source;
    this.metadata = header.metadata;
    this.dataStart = header.dataStart;
    this.tensors = header.tensors;
  }

  /** Reads and validates the header of `src`; throws {@link SafetensorsError} on any defect. */
  static open(src: ByteSource): SafetensorsFile {
    return new SafetensorsFile(src);
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Dtype, shape and data-section byte range of `name` (a copy), plus this file's name. */
  info(name: string): TensorInfo & { file: string } {
    const t = this.lookup(name);
    return { name: t.name, dtype: t.dtype, shape: [...t.shape], begin: t.begin, end: t.end, file: this.source.name };
  }

  /** The tensor in its stored dtype, as a fresh aligned array. */
  read(name: string): StoredTensor {
    const t = this.lookup(name);
    return { name, dtype: t.dtype, shape: [...t.shape], data: decodeStored(this.bytes(t), t.dtype) };
  }

  /** The tensor converted to float32 (exact for F32, F16, BF16; F64 rounds to nearest). */
  readFloat32(name: string): Float32Array {
    const t = this.lookup(name);
    return decodeFloat32(this.bytes(t), t.dtype);
  }

  /** The tensor converted to float64 (exact for every float dtype). */
  readFloat64(name: string): Float64Array {
    const t = this.lookup(name);
    return decodeFloat64(this.bytes(t), t.dtype);
  }

  private lookup(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new SafetensorsError(this.source.name, `no such tensor (the file has ${this.tensors.size})`, name);
    return t;
  }

  /** The raw bytes of one tensor, checked to be exactly as long as the header promised. */
  private bytes(t: TensorInfo): Uint8Array {
    const length = t.end - t.begin;
    const got = this.source.read(this.dataStart + t.begin, length);
    if (got.byteLength !== length) {
      throw new SafetensorsError(this.source.name, `read ${got.byteLength} bytes at offset ${this.dataStart + t.begin}, expected ${length}`, t.name);
    }
    return got;
  }
}
