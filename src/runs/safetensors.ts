/**
 * The safetensors file format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data. Only the dtypes bimt writes are supported. Decoding checks everything a
 * truncated or corrupted file could get wrong, so a bad checkpoint fails with a reason instead of
 * loading garbage.
 */
import { BimtError } from '../errors.js';

export type Tensor =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'I64'; readonly shape: readonly number[]; readonly data: BigInt64Array };

export interface SafetensorsFile {
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

const BYTES = { F32: 4, I64: 8 } as const;

export function encodeSafetensors(file: SafetensorsFile): Uint8Array {
  const names = Object.keys(file.tensors).sort();
  const header: Record<string, unknown> = { __metadata__: file.metadata };
  let offset = 0;
  for (const name of names) {
    const t = file.tensors[name]!;
    const size = t.data.byteLength;
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new RangeError(`tensor ${name}: ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const t = file.tensors[name]!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Decodes a safetensors buffer; `where` names the file in error messages. */
export function decodeSafetensors(bytes: Uint8Array, where: string): SafetensorsFile {
  const bad = (why: string) => new BimtError(`${where}: not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw bad(`header of ${headerLen} bytes does not fit in ${bytes.length} bytes (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32' && e.dtype !== 'I64') throw bad(`tensor ${name} has unsupported dtype ${String(e.dtype)}`);
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor ${name} has a bad shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o))) throw bad(`tensor ${name} has bad offsets`);
    const [begin, end] = offs as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[e.dtype] || begin < 0 || end > dataLen) {
      throw bad(`tensor ${name} bytes ${begin}..${end} do not match shape [${shape}] within ${dataLen} data bytes (truncated?)`);
    }
    ranges.push({ name, begin, end });
    // Copy (a Buffer's slice would share the pool's memory) so the typed array starts aligned.
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    tensors[name] =
      e.dtype === 'F32'
        ? { dtype: 'F32', shape: shape as number[], data: new Float32Array(raw.buffer, 0, count) }
        : { dtype: 'I64', shape: shape as number[], data: new BigInt64Array(raw.buffer, 0, count) };
  }
  checkTiling(ranges, dataLen, bad);
  return { tensors, metadata };
}

/**
 * The tensors' byte ranges must tile the data exactly, as encodeSafetensors lays them out: in
 * order of their start, each begins where the one before it ends, the first at 0 and the last at
 * the data's end. Two tensors sharing bytes would each load a changed copy of the other's values,
 * and bytes no tensor owns are data nothing checks; summing the sizes alone lets an overlap hide a
 * gap of the same size.
 */
function checkTiling(ranges: { name: string; begin: number; end: number }[], dataLen: number, bad: (why: string) => BimtError): void {
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: string | undefined;
  for (const r of ranges) {
    if (r.begin < pos) throw bad(`tensor ${r.name} bytes ${r.begin}..${r.end} overlap tensor ${prev} (which ends at ${pos})`);
    if (r.begin > pos) throw bad(`data bytes ${pos}..${r.begin} are not covered by any tensor`);
    pos = r.end;
    prev = r.name;
  }
  if (pos !== dataLen) throw bad(`data bytes ${pos}..${dataLen} are not covered by any tensor`);
}
