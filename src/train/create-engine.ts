/**
 * Making the engine chooseEngine picked. Each engine's module is imported only when that engine
 * is made: the host engine's run never loads tfjs, the tfjs engine's never starts a worker.
 */
import type { TrainingPlan } from '../config/plan.js';
import type { Network } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { EngineName, EngineSetup, GradientSource, TrainingEngine } from './engine.js';
import { forGraph, type PerKind } from '../model/architectures/registry.js';
import { isCpuBackend } from './choose-engine.js';

/** What an engine takes from the plan: the task, the training cost, Adam and the batch size. */
export function engineSetup(plan: TrainingPlan, net: Network, optimizer?: OptimizerState): EngineSetup {
  return {
    net,
    task: plan.task,
    evalTask: plan.evalTask,
    costCoef: plan.cost.coef,
    adam: plan.adam,
    batchRows: plan.batchRows,
    classLoss: plan.classLoss,
    ...(optimizer ? { optimizer } : {}),
  };
}

/**
 * Each architecture's host forward and backward pass as the host engine's gradient source, its
 * module loaded only when a host run of that architecture starts (docs/design.md, "Architecture
 * registry").
 */
const HOST_GRADIENTS: PerKind<(setup: EngineSetup) => Promise<GradientSource>> = {
  mlp: (graph) => async (setup) => new (await import('./host-engine.js')).MlpGradients(setup, graph),
  transformer: (graph) => async (setup) => new (await import('./transformer-gradients.js')).TransformerGradients(setup, graph),
};

/** Makes engine `name`; `backend` is the active tfjs backend (the workers engine's threads load it too). */
export async function createEngine(name: EngineName, setup: EngineSetup, backend: string): Promise<TrainingEngine> {
  switch (name) {
    case 'host': {
      const { HostEngine } = await import('./host-engine.js');
      return new HostEngine('host', setup, await forGraph(setup.net.graph, HOST_GRADIENTS)(setup));
    }
    case 'tfjs': {
      const { TfjsEngine } = await import('./tfjs-engine.js');
      return new TfjsEngine(setup);
    }
    case 'workers': {
      // chooseEngine refuses this with a BimtError naming the key; here it is a programming error.
      if (!isCpuBackend(backend)) throw new Error(`the workers engine needs the wasm or cpu backend, not ${backend}`);
      const [{ HostEngine }, { WorkerGradients }] = await Promise.all([import('./host-engine.js'), import('./worker-gradients.js')]);
      return new HostEngine('workers', setup, await WorkerGradients.start(setup, backend));
    }
    case 'population':
      throw new Error('a population member\'s engine comes from its population (src/train/population-engine.ts)');
  }
}
