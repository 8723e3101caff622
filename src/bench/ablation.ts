/**
 * `bimt ablate --each neuron` on an MNIST-sized network (docs/performance.md, "Ablation"): every
 * hidden neuron of configs/mnist.yaml's [784, 100, 100, 10] knocked out in turn, each measured on
 * the 2000 test digits through the host probe pass, mean ablation (its training-split means
 * recorded once first). A fresh initialisation: every neuron is alive, so all 200 are ablated.
 */
import { eachTarget, resolveTarget } from '../bimt/ablation-targets.js';
import { networkGraph } from '../bimt/graph.js';
import { loadConfig } from '../config/load.js';
import { initNetwork } from '../model/init.js';
import { ablationRows } from '../train/ablation.js';
import { packagePath } from '../util/package-files.js';

export interface AblationTimes {
  readonly neurons: number;
  readonly testRows: number;
  readonly trainRows: number;
  readonly seconds: number;
}

export function measureAblation(): AblationTimes {
  const { plan } = loadConfig(packagePath('configs/mnist.yaml'));
  const net = initNetwork(plan.arch, 1);
  const labels = { inputs: plan.task.inputLabels, outputs: plan.task.outputLabels };
  const t = performance.now();
  const graph = networkGraph(net, labels, 0);
  const targets = eachTarget(net, graph, 'neuron').map((x) => resolveTarget(net, labels, graph, x));
  ablationRows({ net, task: plan.task, classLoss: plan.classLoss, split: 'test', mode: 'mean', keepOnly: false }, targets);
  return { neurons: targets.length, testRows: plan.task.test.n, trainRows: plan.task.train.n, seconds: (performance.now() - t) / 1000 };
}

export function ablationTable(a: AblationTimes): string[] {
  return [
    `| \`bimt ablate --each neuron\`, mnist.yaml's network (${a.neurons} hidden neurons, ${a.testRows} test rows, means over ${a.trainRows}) | s |`,
    '|---|---|',
    `| graph, targets, means and ${a.neurons + 1} evaluations | ${a.seconds.toFixed(1)} |`,
  ];
}
