/**
 * SafetensorsSpool: tensors added one by one land in a file that our reader (and the header's offsets)
 * read back exactly, in the order added; nothing appears at the target before finish; a bad tensor or an
 * abort leaves the target untouched and no spool file behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { SafetensorsSpool } from '../../src/safetensors/spool-node.js';

const dir = () => mkdtempSync(path.join(tmpdir(), 'spool-'));

it('writes the tensors in the order added, readable by name, with metadata', () => {
  const d = dir();
  const file = path.join(d, 'trace.safetensors');
  const spool = new SafetensorsSpool(file);
  const b = Float32Array.from({ length: 6 }, (_, i) => i / 3);
  spool.add({ name: 'z.last', dtype: 'F32', shape: [2, 3], data: b });
  expect(existsSync(file)).toBe(false);
  spool.add({ name: 'a.first', dtype: 'I64', shape: [2], data: BigInt64Array.from([5n, -7n]) });
  spool.add({ name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) });
  spool.finish({ format: 'pt' });
  expect(readdirSync(d)).toEqual(['trace.safetensors']); // the spool and temp files are gone
  const f = openSafetensorsFile(file);
  expect(Array.from(f.readFloat32('z.last'))).toEqual(Array.from(b));
  expect(Array.from(f.read('a.first').data as BigInt64Array)).toEqual([5n, -7n]);
  expect(f.info('empty').shape).toEqual([0, 4]);
  const bytes = readFileSync(file);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
  expect(header.__metadata__).toEqual({ format: 'pt' });
  expect(header['z.last'].data_offsets).toEqual([0, 24]); // data in the order added, not by name
  expect(header['a.first'].data_offsets).toEqual([24, 40]);
});

it('a bad tensor or an abort leaves what was at the target and no spool file', () => {
  const d = dir();
  const file = path.join(d, 'out.safetensors');
  writeFileSync(file, 'the user’s file');
  const spool = new SafetensorsSpool(file);
  spool.add({ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) });
  expect(() => spool.add({ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) })).toThrow(/duplicate tensor name/);
  expect(() => spool.finish()).toThrow(/spool is closed/);
  const other = new SafetensorsSpool(file);
  expect(() => other.add({ name: 'y', dtype: 'F32', shape: [3], data: new Float32Array(2) })).toThrow(/8 bytes ≠ shape \[3\]/);
  const third = new SafetensorsSpool(file);
  third.add({ name: 'y', dtype: 'F32', shape: [2], data: new Float32Array(2) });
  third.abort();
  expect(readFileSync(file, 'utf8')).toBe('the user’s file');
  expect(readdirSync(d)).toEqual(['out.safetensors']);
});
