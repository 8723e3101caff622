import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BimtError } from '../src/errors.js';
import { initNetwork } from '../src/model/init.js';
import { checkpointFileName, encodeCheckpoint, readCheckpoint, writeCheckpoint } from '../src/runs/checkpoint.js';
import { MetricsWriter, readMetrics, type MetricsRow } from '../src/runs/metrics.js';
import { createRunDir, listCheckpoints, openRunDir } from '../src/runs/run-dir.js';
import { decodeSafetensors } from '../src/runs/safetensors.js';
import { mlp, W } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'bimt-runs-'));

describe('checkpoints', () => {
  const arch = mlp([4, 3, 2], 2, { vocab: 5, dim: 2 });
  const net = initNetwork(arch, 7);
  net.inPerm.set([1, 0]);
  net.outPerm.set([1, 0]);

  it('store weights in PyTorch layout [out, in] under the reference names', () => {
    const file = decodeSafetensors(encodeCheckpoint({ step: 12, net }), 'x');
    const w0 = file.tensors['linears.0.linear.weight']!;
    expect(w0.shape).toEqual([3, 4]);
    // tfjs holds W[i, o] at i * N_out + o; the file holds it at o * N_in + i.
    for (let i = 0; i < 4; i++) for (let o = 0; o < 3; o++) expect(w0.data[o * 4 + i]).toBe(W(net, 0)[i * 3 + o]);
    expect(file.tensors['linears.1.linear.bias']!.shape).toEqual([2]);
    expect(file.tensors.embedding!.shape).toEqual([5, 2]);
    expect(file.tensors.in_perm).toMatchObject({ dtype: 'I64', shape: [2] });
    expect(Array.from(file.tensors.out_perm!.data as BigInt64Array, Number)).toEqual([1, 0]);
    expect(file.metadata.step).toBe('12');
  });

  it('round-trip exactly, optimizer state included', () => {
    const dir = tmp();
    const path = join(dir, checkpointFileName(12));
    const m = initNetwork(arch, 8).params;
    const v = initNetwork(arch, 9).params;
    writeCheckpoint(path, { step: 12, net, optimizer: { m, v, t: 12 }, loopState: { i: 3 } });
    const back = readCheckpoint(path, arch);
    expect(back.step).toBe(12);
    expect(back.net.params).toEqual(net.params);
    expect(back.net.inPerm).toEqual(net.inPerm);
    expect(back.net.outPerm).toEqual(net.outPerm);
    expect(back.optimizer).toEqual({ m, v, t: 12 });
    expect(back.loopState).toEqual({ i: 3 });
  });

  it('refuse truncated, corrupted and other-shape files with a reason', () => {
    const dir = tmp();
    const path = join(dir, 'c.safetensors');
    const bytes = encodeCheckpoint({ step: 1, net });
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    expect(() => readCheckpoint(path)).toThrow(/truncated/);
    const corrupt = bytes.slice();
    corrupt[10] = 0x7b; // a second "{" breaks the JSON header
    writeFileSync(path, corrupt);
    expect(() => readCheckpoint(path)).toThrow(/not a valid safetensors file/);
    writeFileSync(path, bytes);
    expect(() => readCheckpoint(path, mlp([4, 5, 2], 2, { vocab: 5, dim: 2 }))).toThrow(
      /checkpoint has widths \[4,3,2\] in_fold 2 embedding 5x2, but widths \[4,5,2\] in_fold 2 embedding 5x2 was expected/,
    );
    expect(() => readCheckpoint(join(dir, 'none.safetensors'))).toThrow(BimtError);
  });

  // A safetensors file written by hand: the header as given, then `dataLen` bytes of data.
  const crafted = (header: Record<string, unknown>, dataLen: number) => {
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const out = Buffer.alloc(8 + json.length + dataLen);
    out.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(out, 8);
    return out;
  };
  const f32 = (begin: number, end: number) => ({ dtype: 'F32', shape: [(end - begin) / 4], data_offsets: [begin, end] });

  it("refuse tensors whose byte ranges overlap or leave a gap, even when their sizes add up to the data's (issue 25, item 14)", () => {
    // The tiling encodeSafetensors writes is read back.
    expect(Object.keys(decodeSafetensors(crafted({ a: f32(0, 8), b: f32(8, 16) }, 16), 'x').tensors)).toEqual(['a', 'b']);
    // b shares a's last 4 bytes, and the 4 bytes after b are nobody's: 8 + 8 = 16 all the same.
    expect(() => decodeSafetensors(crafted({ a: f32(0, 8), b: f32(4, 12) }, 16), 'x.safetensors')).toThrow(
      /^x\.safetensors: not a valid safetensors file: tensor b bytes 4\.\.12 overlap tensor a \(which ends at 8\)$/,
    );
    // The same tensor twice over one range, the other half of the data left out.
    expect(() => decodeSafetensors(crafted({ a: f32(0, 8), b: f32(0, 8) }, 16), 'x')).toThrow(/tensor b bytes 0\.\.8 overlap tensor a/);
    expect(() => decodeSafetensors(crafted({ a: f32(0, 8), b: f32(12, 20) }, 20), 'x')).toThrow(/data bytes 8\.\.12 are not covered by any tensor$/);
    expect(() => decodeSafetensors(crafted({ a: f32(0, 8) }, 12), 'x')).toThrow(/data bytes 8\.\.12 are not covered by any tensor$/);
    // Through the reader of checkpoints, as a file.
    const path = join(tmp(), 'overlap.safetensors');
    writeFileSync(path, crafted({ a: f32(0, 8), b: f32(4, 12) }, 16));
    expect(() => readCheckpoint(path)).toThrow(BimtError);
    expect(() => readCheckpoint(path)).toThrow(/overlap tensor a/);
  });
});

describe('run directories', () => {
  it('never reuse a name', () => {
    const runs = tmp();
    const now = new Date(2026, 0, 2, 3, 4, 5);
    const a = createRunDir(runs, 'moons', { exact: false, now });
    const b = createRunDir(runs, 'moons', { exact: false, now });
    expect(a.root).toBe(join(runs, 'moons-20260102-030405'));
    expect(b.root).toBe(join(runs, 'moons-20260102-030405-2'));
    createRunDir(runs, 'mine', { exact: true });
    expect(() => createRunDir(runs, 'mine', { exact: true })).toThrow(/already exists/);
  });

  it('are recognised, and other directories refused', () => {
    const runs = tmp();
    expect(() => openRunDir(join(runs, 'missing'))).toThrow(/no such run directory/);
    expect(() => openRunDir(runs)).toThrow(/not a bimt run directory/);
    const p = createRunDir(runs, 'r', { exact: true });
    writeFileSync(join(p.checkpoints, checkpointFileName(200)), '');
    writeFileSync(join(p.checkpoints, checkpointFileName(1000)), '');
    writeFileSync(join(p.checkpoints, 'notes.txt'), '');
    expect(listCheckpoints(p)).toEqual([200, 1000]);
  });
});

describe('metrics.csv', () => {
  it('reads back the rows it wrote, empty cells for missing accuracy', async () => {
    const path = join(tmp(), 'metrics.csv');
    const rows: MetricsRow[] = [
      { step: 0, lambda: 0.001, train_loss: 0.1 + 0.2, test_loss: 1e-9, train_acc: null, test_acc: null, connection_cost: 3.5, weights_above_threshold: 10, swaps: 0 },
      { step: 100, lambda: 0.01, train_loss: Math.PI, test_loss: 2, train_acc: 0.5, test_acc: 1, connection_cost: 1 / 3, weights_above_threshold: 9, swaps: 4 },
    ];
    const w = new MetricsWriter(path);
    for (const r of rows) await w.append(r);
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe('0,0.001,0.30000000000000004,1e-9,,,3.5,10,0');
    expect(readMetrics(path)).toEqual(rows);
  });
});
