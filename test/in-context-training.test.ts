// A short in-context run through the training loop learns: the last position's test MSE (the
// in-context prediction w x1) falls far below where it starts, on the host engine `auto` picks
// and on tfjs, swaps included; pruning the result keeps it.
import { describe, expect, it } from 'vitest';
import { pruneNetwork } from '../src/bimt/prune.js';
import { loadConfig } from '../src/config/load.js';
import { selectBackend } from '../src/backend.js';
import { evaluateNetwork } from '../src/train/evaluate.js';
import { trainLoop } from '../src/train/loop.js';
import type { MetricsRow } from '../src/runs/metrics.js';

const STEPS = 600;

async function train(engine: 'host' | 'tfjs') {
  const { plan } = loadConfig('configs/in-context.yaml', [`train.steps=${STEPS}`, `output.eval_every=${STEPS / 2}`, `train.engine=${engine}`]);
  const { task } = plan;
  const rows: MetricsRow[] = [];
  const result = await trainLoop(plan, { onMetrics: (r) => void rows.push(r), onCheckpoint: () => {} }, { engine });
  return { rows, result, task };
}

describe('in-context training', () => {
  it('learns the in-context prediction within a few hundred steps, swapping as it goes (host engine)', async () => {
    const { rows, result, task } = await train('host');
    expect(result.status).toBe('completed');
    const last = (r: MetricsRow) => r.output_losses!.test[1]!;
    // From about 2.2 (an untrained network) to well under 0.05.
    expect(last(rows[0]!)).toBeGreaterThan(1);
    expect(last(rows.at(-1)!)).toBeLessThan(0.05);
    // Position 0 cannot be predicted: it stays near E[(w x0)^2] = 13/9.
    expect(rows.at(-1)!.output_losses!.test[0]).toBeGreaterThan(1.2);
    expect(rows.reduce((n, r) => n + r.swaps, 0)).toBeGreaterThan(0);
    // The tfjs evaluation of the trained network agrees with the host's metrics row.
    await selectBackend('wasm');
    const e = evaluateNetwork(result.net, task);
    expect(e.scoredLosses!.test[1]).toBeCloseTo(last(rows.at(-1)!), 4);
    // Pruning at zero keeps the function exactly enough.
    const pruned = pruneNetwork(result.net, 0, { inputs: task.inputLabels, outputs: task.outputLabels });
    expect(evaluateNetwork(pruned.net, task).scoredLosses!.test[1]).toBeCloseTo(e.scoredLosses!.test[1]!, 5);
  }, 120_000);

  it('learns on the tfjs engine too', async () => {
    await selectBackend('wasm');
    const { rows } = await train('tfjs');
    expect(rows.at(-1)!.output_losses!.test[1]).toBeLessThan(0.05);
  }, 120_000);
});
