/**
 * `node dist/bench/transformer-step.js [--backends wasm,cpu] [--json file]` (after `npm run build`):
 * the BioTransformer's arithmetic at the in-context experiment's sizes (docs/experiments.md,
 * "The paper's experiments": batch 64 of 3-token sequences, E 32, 2 blocks, 1 head, MLP 128), on the host
 * (HostTransformer) and on each tfjs backend (transformerForward under tf.variableGrads). Not a
 * test: numbers, no assertions.
 *
 *   fwd+bwd ms   loss and every gradient for one batch of 64 sequences (wall time; in brackets
 *                the process's CPU time per call, steadier when other work shares the machine)
 *   fwd ms       the loss of 64 and of 2000 sequences (an evaluation of the test split)
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isBackendName, selectBackend, type BackendName } from '../backend.js';
import { gradsForShape, HostTransformer, type ScoredEntry, type TransformerSplit } from '../model/transformer-host.js';
import { transformerTensorShapes } from '../model/transformer-shape.js';
import type { TransformerArchitecture } from '../model/model-graph.js';
import { Rng } from '../util/random.js';

/** The in-context regression model (outDim 2 here; its loss reads channel 0 at positions 0 and 2). */
export const IN_CONTEXT_SHAPE: TransformerArchitecture = { kind: 'transformer', inDim: 2, outDim: 2, embed: 32, blocks: 2, heads: 1, mlpHidden: 128, seqLen: 3, layerNorm: false };
const SCORED: ScoredEntry[] = [[0, 0], [2, 0]];
const BATCH = 64;
const EVAL_ROWS = 2000;

export interface TransformerStepRow {
  /** "host" or "tfjs <backend>". */
  readonly engine: string;
  readonly stepMs: number;
  readonly stepCpuMs: number;
  readonly forward64Ms: number;
  readonly forward2000Ms: number;
}

/** Times the host pass, then the tfjs pass on each backend (loading each in turn). */
export async function benchTransformerStep(backends: readonly BackendName[], shape = IN_CONTEXT_SHAPE): Promise<TransformerStepRow[]> {
  const rng = new Rng(1, 'bench-transformer');
  const params = new Map(
    transformerTensorShapes(shape).map(([name, dims]) => [name, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.range(-0.3, 0.3))]),
  );
  const { seqLen: T, inDim, outDim } = shape;
  const split: TransformerSplit = {
    n: EVAL_ROWS,
    x: Float32Array.from({ length: EVAL_ROWS * T * inDim }, () => rng.range(-1, 1)),
    y: Float32Array.from({ length: EVAL_ROWS * T * outDim }, () => rng.range(-1, 1)),
  };
  const inPerm = Int32Array.from({ length: inDim }, (_, i) => i);
  const outPerm = Int32Array.from({ length: outDim }, (_, i) => outDim - 1 - i);
  const batch = Int32Array.from({ length: BATCH }, () => rng.int(EVAL_ROWS));

  const rows: TransformerStepRow[] = [];
  const host = new HostTransformer(shape, SCORED, EVAL_ROWS);
  const grads = gradsForShape(shape);
  const hostStep = timeIt(() => host.run(params, inPerm, outPerm, split, batch, grads), 2000);
  rows.push({
    engine: host.simd ? 'host' : 'host (no wasm SIMD)',
    stepMs: hostStep.ms,
    stepCpuMs: hostStep.cpuMs,
    forward64Ms: timeIt(() => host.run(params, inPerm, outPerm, split, batch), 2000).ms,
    forward2000Ms: timeIt(() => host.run(params, inPerm, outPerm, split, undefined), 50).ms,
  });

  const tf = await import('@tensorflow/tfjs');
  const { transformerForward } = await import('../model/transformer-tfjs.js');
  for (const name of backends) {
    await selectBackend(name);
    const vars = new Map(transformerTensorShapes(shape).map(([k, dims]) => [k, tf.variable(tf.tensor(params.get(k)!, dims))]));
    const sub = (n: number, idx: (r: number) => number) => {
      const x = new Float32Array(n * T * inDim);
      const y = new Float32Array(n * T * outDim);
      for (let r = 0; r < n; r++) {
        x.set(split.x.subarray(idx(r) * T * inDim, (idx(r) + 1) * T * inDim), r * T * inDim);
        y.set(split.y.subarray(idx(r) * T * outDim, (idx(r) + 1) * T * outDim), r * T * outDim);
      }
      return { x: tf.tensor2d(x, [n, T * inDim]), y: tf.tensor2d(y, [n, T * outDim]) };
    };
    const weight = new Float32Array(T * outDim);
    for (const [t, c] of SCORED) weight[t * outDim + c] = 1;
    const w = tf.tensor1d(weight);
    const lossOf = (d: { x: import('@tensorflow/tfjs').Tensor2D; y: import('@tensorflow/tfjs').Tensor2D }) =>
      tf.div(tf.sum(tf.mul(tf.square(tf.sub(transformerForward(vars, shape, inPerm, outPerm, d.x), d.y)), w)), d.x.shape[0] * SCORED.length) as import('@tensorflow/tfjs').Scalar;
    const small = sub(BATCH, (r) => batch[r]);
    const all = sub(EVAL_ROWS, (r) => r);
    const step = () => {
      const { value, grads: g } = tf.variableGrads(() => lossOf(small), [...vars.values()]);
      value.dataSync();
      tf.dispose([value, ...Object.values(g)]);
    };
    const forward = (d: typeof small) => () => {
      const v = tf.tidy(() => lossOf(d));
      v.dataSync();
      v.dispose();
    };
    const tfStep = timeIt(step, 300);
    rows.push({ engine: `tfjs ${name}`, stepMs: tfStep.ms, stepCpuMs: tfStep.cpuMs, forward64Ms: timeIt(forward(small), 300).ms, forward2000Ms: timeIt(forward(all), 20).ms });
    tf.dispose([...vars.values(), w, small.x, small.y, all.x, all.y]);
  }
  return rows;
}

/** Mean wall and CPU milliseconds per call over `reps` calls, after a tenth as many to warm up. */
function timeIt(f: () => unknown, reps: number): { ms: number; cpuMs: number } {
  for (let i = 0; i < Math.max(3, reps / 10); i++) f();
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const used = process.cpuUsage(cpu);
  return { ms: (performance.now() - t) / reps, cpuMs: (used.user + used.system) / 1000 / reps };
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backends = (flag('--backends') ?? 'wasm,cpu').split(',').filter(isBackendName);
  const rows = await benchTransformerStep(backends);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const out = [`machine: ${machine}, load average ${loadavg()[0].toFixed(1)}`, '', `| BioTransformer (in-context sizes) | fwd+bwd ms (CPU ms), n=${BATCH} | fwd ms, n=${BATCH} | fwd ms, n=${EVAL_ROWS} |`, '|---|---|---|---|'];
  for (const r of rows) out.push(`| ${r.engine} | ${r.stepMs.toFixed(2)} (${r.stepCpuMs.toFixed(2)}) | ${r.forward64Ms.toFixed(2)} | ${r.forward2000Ms.toFixed(1)} |`);
  process.stdout.write(`${out.join('\n')}\n`);
  const json = flag('--json');
  if (json) writeFileSync(json, `${JSON.stringify({ machine, transformer: rows }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
