// The in-context regression task (docs/experiments.md, "In-context regression"): its data obeys the
// definition, its loss counts the scored entries only (host and tfjs alike, checked against sums
// written out here), and evaluate() reports each scored entry's loss.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { ConfigValueError } from '../src/errors.js';
import { inContext } from '../src/tasks/in-context.js';
import { taskDefinition, taskSchema } from '../src/tasks/registry.js';
import { scoredLabels, sequenceMse, type SequenceTarget } from '../src/tasks/sequence-loss.js';
import type { Split, TaskInstance } from '../src/tasks/task.js';
import { disposeData, uploadData, type SplitTensors } from '../src/train/data.js';
import { evaluate, taskLoss } from '../src/train/evaluate.js';
import { scoredOutputLosses } from '../src/train/output-losses.js';
import { scoredEntryLosses, sequenceLoss } from '../src/model/ops/sequence-loss-tfjs.js';
import { Rng } from '../src/util/random.js';
import { PENDING_CONFIGS } from './pending-configs.mjs';

const build = (task: object = {}, seed = 1) => inContext.build(inContext.schema.parse({ kind: 'in-context', ...task }), seed);
/** Entry (position p, channel c) of row i of a [n, 3, 2] array. */
const at = (a: ArrayLike<number>, i: number, p: number, c: number) => a[i * 6 + p * 2 + c];
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('in-context data', () => {
  const task = build();

  it('has the default size, split 80/20, and declares [3, 2] sequences scored at y@0 and y@2', () => {
    expect([task.train.n, task.test.n]).toEqual([8000, 2000]);
    for (const s of [task.train, task.test]) {
      expect(s.x).toBeInstanceOf(Float32Array);
      expect(s.y).toBeInstanceOf(Float32Array);
      expect([s.x.length, s.y.length]).toEqual([s.n * 6, s.n * 6]);
    }
    expect(task.inputs).toEqual({ kind: 'sequence', length: 3, dim: 2 });
    expect(task.targets).toEqual({ kind: 'sequence', length: 3, dim: 2, scored: [{ position: 0, channel: 0 }, { position: 2, channel: 0 }] });
    expect([task.inputLabels, task.outputLabels]).toEqual([['y', 'x'], ['y', 'x']]);
    expect(scoredLabels(task.targets as SequenceTarget, task.outputLabels)).toEqual(['y@0', 'y@2']);
  });

  it('is (0, x0), (w x0, 0), (0, x1) with the next tokens as targets, w in [-1, 1], x in [1, 3]', () => {
    for (const s of [task.train, task.test]) {
      for (let i = 0; i < s.n; i++) {
        const x0 = at(s.x, i, 0, 1);
        const x1 = at(s.x, i, 2, 1);
        const wx0 = at(s.x, i, 1, 0);
        expect([at(s.x, i, 0, 0), at(s.x, i, 1, 1), at(s.x, i, 2, 0)]).toEqual([0, 0, 0]);
        // The targets of positions 0 and 1 are the tokens at 1 and 2, exactly.
        for (let p = 0; p < 2; p++) for (let c = 0; c < 2; c++) expect(at(s.y, i, p, c)).toBe(at(s.x, i, p + 1, c));
        expect(at(s.y, i, 2, 1)).toBe(0);
        expect(x0 >= 1 && x0 <= 3 && x1 >= 1 && x1 <= 3).toBe(true);
        const w = wx0 / x0;
        expect(Math.abs(w)).toBeLessThanOrEqual(1 + 1e-6);
        // The last target is w x1 with the same w (float32 rounding on both sides).
        expect(Math.abs(at(s.y, i, 2, 0) - w * x1)).toBeLessThan(1e-5);
      }
    }
  });

  it('draws w and x uniformly: their means, and E[(w x0)^2] = 13/9, the loss of predicting 0 at position 0', () => {
    const s = task.train;
    const rows = [...Array(s.n).keys()];
    const ws = rows.map((i) => at(s.x, i, 1, 0) / at(s.x, i, 0, 1));
    // Bounds of more than 8 standard errors of the mean at n = 8000.
    expect(Math.abs(mean(ws))).toBeLessThan(0.06);
    expect(Math.abs(mean(rows.map((i) => at(s.x, i, 0, 1))) - 2)).toBeLessThan(0.06);
    expect(Math.abs(mean(rows.map((i) => at(s.x, i, 2, 1))) - 2)).toBeLessThan(0.06);
    expect(Math.abs(mean(ws.map((w) => w * w)) - 1 / 3)).toBeLessThan(0.03);
    expect(Math.abs(mean(rows.map((i) => at(s.y, i, 0, 0) ** 2)) - 13 / 9)).toBeLessThan(0.15);
  });

  it('splits by train_fraction (rounded down) and refuses an empty split', () => {
    const t = build({ n: 101, train_fraction: 0.5 });
    expect([t.train.n, t.test.n]).toEqual([50, 51]);
    expect(() => build({ n: 3, train_fraction: 0.2 })).toThrow(ConfigValueError);
    expect(() => build({ n: 3, train_fraction: 0.2 })).toThrow(/^task\.train_fraction: 0\.2 leaves an empty train or test set of 3 sequences$/);
  });

  it('is the same from the same seed, differs with the seed, and task.seed overrides the master seed', () => {
    const small = (task: object, seed: number) => build({ n: 200, ...task }, seed);
    const a = small({}, 5);
    expect(small({}, 5)).toEqual(a);
    const b = small({}, 6);
    expect(Array.from(b.train.x)).not.toEqual(Array.from(a.train.x));
    expect(Array.from(b.test.y)).not.toEqual(Array.from(a.test.y));
    expect(small({ seed: 5 }, 6)).toEqual(a);
    // A row is the same draw whatever the fraction: the split only moves the boundary.
    const c = small({ train_fraction: 0.5 }, 5);
    expect(Array.from(c.train.x)).toEqual(Array.from(a.train.x.subarray(0, 100 * 6)));
  });

  it('is registered, with a strict schema and the defaults of the notebook', () => {
    expect(taskDefinition('in-context')).toBe(inContext);
    expect(taskSchema.parse({ kind: 'in-context' })).toEqual({ kind: 'in-context', n: 10000, train_fraction: 0.8 });
    for (const bad of [{ n: 1 }, { train_fraction: 1 }, { train_fraction: 0 }, { n: 2.5 }, { noise: 0.1 }]) {
      expect(taskSchema.safeParse({ kind: 'in-context', ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

/** Random predictions and targets for a random sequence spec, and the loss written out as sums. */
function randomCase(seed: number) {
  const rng = new Rng(seed, 'sequence-loss-test');
  const length = 2 + rng.int(4);
  const dim = 1 + rng.int(3);
  const all = [...Array(length * dim).keys()].map((k) => ({ position: Math.floor(k / dim), channel: k % dim }));
  const scored = rng.shuffle(all).slice(0, 1 + rng.int(all.length));
  const spec: SequenceTarget = { kind: 'sequence', length, dim, scored };
  const n = 3 + rng.int(20);
  const rand = () => Float32Array.from({ length: n * length * dim }, () => rng.range(-3, 3));
  const pred = rand();
  const y = rand();
  const sq = (i: number, e: { position: number; channel: number }) => {
    const k = (i * length + e.position) * dim + e.channel;
    return (pred[k] - y[k]) ** 2;
  };
  const rows = [...Array(n).keys()];
  const perEntry = scored.map((e) => mean(rows.map((i) => sq(i, e))));
  const last = Math.max(...scored.map((e) => e.position));
  const atLast = scored.filter((e) => e.position === last);
  return {
    spec,
    n,
    pred,
    y,
    want: {
      loss: rows.reduce((s, i) => s + scored.reduce((t, e) => t + sq(i, e), 0), 0) / (n * scored.length),
      perEntry,
      last: rows.reduce((s, i) => s + atLast.reduce((t, e) => t + sq(i, e), 0), 0) / (n * atLast.length),
    },
  };
}

describe('sequence loss', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

  it.each(seeds)('on the host is the mean squared error of the scored entries (random case %i)', (seed) => {
    const { spec, n, pred, y, want } = randomCase(seed);
    const got = sequenceMse(pred, y, n, spec);
    expect(got.loss).toBeCloseTo(want.loss, 10);
    expect(got.last).toBeCloseTo(want.last, 10);
    got.perEntry.forEach((v, k) => expect(v).toBeCloseTo(want.perEntry[k], 10));
    expect(mean(got.perEntry)).toBeCloseTo(got.loss, 10);
  });

  it('ignores every entry that is not scored, and refuses a prediction of the wrong size', () => {
    const { spec, n, pred, y } = randomCase(11);
    const scoredCols = new Set(spec.scored.map((e) => e.position * spec.dim + e.channel));
    const noisy = pred.map((v, k) => (scoredCols.has(k % (spec.length * spec.dim)) ? v : v + 100));
    expect(sequenceMse(noisy, y, n, spec)).toEqual(sequenceMse(pred, y, n, spec));
    expect(() => sequenceMse(pred.subarray(1), y, n, spec)).toThrow(/sequenceMse: expected/);
  });

  it.each(seeds)('on tfjs matches the host, and its gradient is 2 (pred - y) / (n k) on scored entries only (case %i)', (seed) => {
    const { spec, n, pred, y, want } = randomCase(seed);
    const cols = spec.length * spec.dim;
    const p = tf.tensor2d(pred, [n, cols]);
    const t = tf.tensor2d(y, [n, cols]);
    const loss = sequenceLoss(spec, p, t);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(want.loss, 4);
    const perEntry = scoredEntryLosses(spec, p, t);
    Array.from(perEntry.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(want.perEntry[k], 4));
    const grad = tf.grad((q: tf.Tensor) => sequenceLoss(spec, q as tf.Tensor2D, t))(p).dataSync();
    const scale = 2 / (n * spec.scored.length);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < cols; c++) {
        const scored = spec.scored.some((e) => e.position * spec.dim + e.channel === c);
        const k = i * cols + c;
        expect(grad[k]).toBeCloseTo(scored ? scale * (pred[k] - y[k]) : 0, 5);
      }
    }
    tf.dispose([p, t, loss, perEntry]);
  });
});

describe('in-context on tfjs', () => {
  const task: TaskInstance = build({ n: 50 }, 3);

  it('uploads [n, length * dim] sequences, and evaluate() reports the loss and each scored entry', async () => {
    const data = uploadData(task);
    try {
      expect(data.train.x.shape).toEqual([40, 6]);
      expect(data.train.y.shape).toEqual([40, 6]);
      expect(data.train.labels).toBeUndefined();
      // A "model" that predicts its input: the loss is then that of the input against the target.
      const echo = { forwardSplit: (s: SplitTensors) => tf.clone(s.x) };
      const e = await evaluate(echo, task.targets, data);
      const host = (s: Split) => sequenceMse(s.x as Float32Array, s.y as Float32Array, s.n, task.targets as SequenceTarget);
      const [train, test] = [host(task.train), host(task.test)];
      expect(e.trainLoss).toBeCloseTo(train.loss, 4);
      expect(e.testLoss).toBeCloseTo(test.loss, 4);
      expect([e.trainAcc, e.testAcc]).toEqual([null, null]);
      expect(e.scoredLosses!.train.length).toBe(2);
      e.scoredLosses!.train.forEach((v, k) => expect(v).toBeCloseTo(train.perEntry[k], 4));
      e.scoredLosses!.test.forEach((v, k) => expect(v).toBeCloseTo(test.perEntry[k], 4));
      // The last scored entry is the last-position MSE.
      expect(e.scoredLosses!.test[1]).toBeCloseTo(test.last, 4);
      const loss = tf.tidy(() => taskLoss(task.targets, echo.forwardSplit(data.test), data.test).dataSync()[0]);
      expect(loss).toBeCloseTo(test.loss, 4);
      // The host route to the metrics' per-output losses gives the same numbers.
      const meter = scoredOutputLosses(task, { train: task.train.x as Float32Array, test: task.test.x as Float32Array });
      expect(meter).toEqual({ train: train.perEntry, test: test.perEntry });
      meter.test.forEach((v, k) => expect(v).toBeCloseTo(e.scoredLosses!.test[k], 4));
    } finally {
      disposeData(data);
    }
  });
});

describe('configs/in-context.yaml', () => {
  const file = 'configs/in-context.yaml';

  it('has a task section the in-context schema accepts', () => {
    const doc = parse(readFileSync(file, 'utf8')) as { task: unknown };
    expect(taskSchema.parse(doc.task)).toMatchObject({ kind: 'in-context', n: 10000, train_fraction: 0.8 });
  });

  it('loads as a transformer trained on batches drawn with replacement, and is no longer pending', () => {
    expect(PENDING_CONFIGS).not.toContain(file);
    const { config } = loadConfig(file);
    expect(config.model).toMatchObject({ kind: 'transformer', embed: 32, blocks: 2, heads: 1, mlp_ratio: 4, layer_norm: false });
    expect(config.train).toMatchObject({ batch: 64, sampling: 'replacement' });
  });
});
