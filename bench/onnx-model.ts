/**
 * Minimal ONNX model writer for the bench peers: one MatMul with a constant weight initializer, or
 * one Softmax, encoded as protobuf by hand (field numbers from onnx.proto3), so no ONNX tooling is
 * needed to build the models in-process.
 */

/** Protobuf encoding: a growable list of byte chunks. */
class Proto {
  private chunks: Uint8Array[] = [];
  private varint(n: number): this {
    const bytes: number[] = [];
    let v = BigInt(n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }
  private key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, n: number): this {
    return this.key(field, 0).varint(n);
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    this.chunks.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const FLOAT = 1;

/** ValueInfoProto{ name: 1, type: 2 → TypeProto{ tensor_type: 1 → { elem_type: 1, shape: 2 → { dim: 1 → { dim_value: 1 } } } } } */
function valueInfo(name: string, shape: number[]): Proto {
  const dims = new Proto();
  for (const d of shape) dims.message(1, new Proto().int(1, d));
  const tensorType = new Proto().int(1, FLOAT).message(2, dims);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

/** TensorProto{ dims: 1, data_type: 2, name: 8, raw_data: 9 } */
function initializer(name: string, shape: number[], data: Float32Array): Proto {
  const t = new Proto();
  for (const d of shape) t.int(1, d);
  return t.int(2, FLOAT).string(8, name).bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** ModelProto{ ir_version: 1, graph: 7, opset_import: 8 → { domain: 1, version: 2 } } */
function model(graph: Proto): Uint8Array {
  return new Proto().int(1, 8).message(7, graph).message(8, new Proto().string(1, '').int(2, 17)).finish();
}

/** y[M, N] = x[M, K] · B with B [K, N] a constant initializer (ORT prepacks it at session creation). */
export function matmulModel(M: number, K: number, N: number, B: Float32Array): Uint8Array {
  const node = new Proto().string(1, 'x').string(1, 'B').string(2, 'y').string(3, 'mm').string(4, 'MatMul');
  const graph = new Proto()
    .message(1, node)
    .string(2, 'bench')
    .message(5, initializer('B', [K, N], B))
    .message(11, valueInfo('x', [M, K]))
    .message(12, valueInfo('y', [M, N]));
  return model(graph);
}

/** y = softmax(x) over the last axis (opset 13+ default). */
export function softmaxModel(rows: number, n: number): Uint8Array {
  const node = new Proto().string(1, 'x').string(2, 'y').string(3, 'sm').string(4, 'Softmax');
  const graph = new Proto().message(1, node).string(2, 'bench').message(11, valueInfo('x', [rows, n])).message(12, valueInfo('y', [rows, n]));
  return model(graph);
}
