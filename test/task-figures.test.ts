/**
 * Task pictures belong to tasks (docs/cli.md, "bimt plot"): every shipped config's task names its
 * pictures (`TaskDefinition.figures`), and TASK_FIGURES draws each from a real network of that
 * config; a table names its picture by its targets. The decision boundary's class probabilities
 * (train/evaluate.ts classProbabilities) are the softmax of the network's outputs, the same
 * outputs that its accuracy counts.
 */
import { readdirSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { initNetwork } from '../src/model/init.js';
import { TASK_FIGURES } from '../src/plot/task-figures.js';
import { taskDefinition } from '../src/tasks/registry.js';
import { TASK_FIGURE_KINDS, type TaskFigureKind } from '../src/tasks/task.js';
import { classProbabilities, evaluateNetwork, predictNetwork } from '../src/train/evaluate.js';

beforeAll(async () => {
  await selectBackend();
});

/** The picture kinds a config's task names. */
function figuresOf(file: string, sets: string[] = []): readonly TaskFigureKind[] {
  const { config, plan } = loadConfig(file, sets);
  return taskDefinition(config.task.kind).figures(plan.task);
}

describe('task pictures named by the tasks', () => {
  it('name the picture that fits each task', () => {
    expect(figuresOf('configs/two-moons.yaml')).toEqual(['decision-boundary']);
    expect(figuresOf('configs/independence.yaml')).toEqual(['predicted-vs-true']);
    expect(figuresOf('configs/in-context.yaml')).toEqual(['predicted-vs-true']);
    expect(figuresOf('configs/modular-addition.yaml')).toEqual(['embedding-frequencies']);
    expect(figuresOf('configs/permutation-group.yaml')).toEqual(['embedding-sign']);
    expect(figuresOf('configs/mnist.yaml')).toEqual(['confusion']);
    // A table by its target: classes have no plane to draw, values are drawn against the truth.
    expect(figuresOf('configs/table-example.yaml')).toEqual(['confusion']);
    const values = ['task.target=petal_width', 'task.features=[sepal_length,sepal_width,petal_length]', 'model.widths=[3,20,20,1]'];
    expect(figuresOf('configs/table-example.yaml', values)).toEqual(['predicted-vs-true']);
  });

  it('are drawn for every shipped config, from a network of its architecture', { timeout: 120_000 }, () => {
    // fashion-mnist.yaml is mnist.yaml's task on 70,000 images read from a system folder.
    const configs = readdirSync('configs').filter((f) => f.endsWith('.yaml') && f !== 'fashion-mnist.yaml');
    expect(configs.length).toBeGreaterThanOrEqual(7);
    const drawn = new Set<TaskFigureKind>();
    for (const file of configs) {
      const { config, plan } = loadConfig(`configs/${file}`);
      const net = initNetwork(plan.arch, config.seed);
      const kinds = taskDefinition(config.task.kind).figures(plan.task);
      expect(kinds.length, file).toBeGreaterThan(0);
      for (const kind of kinds) {
        const figs = TASK_FIGURES[kind]({ net, task: plan.task, head: [config.name, 'step 0'], name: (g) => `task${g === undefined ? '' : `-group-${g}`}.svg` });
        expect(figs.map((f) => f.name), file).toEqual(['task.svg']);
        expect(XMLValidator.validate(figs[0]!.svg), file).toBe(true);
        expect(figs[0]!.svg, file).toContain(`<title>${config.name} · step 0`);
        drawn.add(kind);
      }
    }
    // The shipped configs show every kind of picture there is.
    expect([...drawn].sort()).toEqual([...TASK_FIGURE_KINDS].sort());
  });
});

describe('classProbabilities', () => {
  it("is the softmax of the network's outputs, whose largest entry is the class its accuracy counts", () => {
    const { config, plan } = loadConfig('configs/two-moons.yaml');
    const { task } = plan;
    const net = initNetwork(plan.arch, config.seed);
    const n = task.test.n;
    const k = task.outputLabels.length;
    const probs = classProbabilities(net, task.test.x as Float32Array, n);
    const logits = predictNetwork(net, task, 'test');
    expect(probs).toHaveLength(n * k);
    let right = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(logits.subarray(i * k, (i + 1) * k));
      const top = Math.max(...row);
      const sum = row.reduce((a, z) => a + Math.exp(z - top), 0);
      row.forEach((z, c) => expect(probs[i * k + c]).toBeCloseTo(Math.exp(z - top) / sum, 6));
      const best = row.indexOf(top);
      if (best === (task.test.y as Int32Array)[i]) right++;
      expect(probs[i * k + best]).toBe(Math.max(...probs.subarray(i * k, (i + 1) * k)));
    }
    expect(right / n).toBeCloseTo(evaluateNetwork(net, task).testAcc!, 6);
  });
});
