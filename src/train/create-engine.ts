/**
 * Making the engine chooseEngine picked. Each engine's module is imported only when that engine
 * is made: the host engine's run never loads tfjs, the tfjs engine's never starts a worker.
 */
import type { TrainingPlan } from '../config/plan.js';
import type { Network } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { EngineName, EngineSetup, TrainingEngine } from './engine.js';
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

/** Makes engine `name`; `backend` is the active tfjs backend (the workers engine's threads load it too). */
export async function createEngine(name: EngineName, setup: EngineSetup, backend: string): Promise<TrainingEngine> {
  switch (name) {
    case 'host': {
      const { HostEngine, MlpGradients } = await import('./host-engine.js');
      if (setup.net.graph.arch.kind === 'transformer') {
        const { TransformerGradients } = await import('./transformer-gradients.js');
        return new HostEngine('host', setup, new TransformerGradients(setup));
      }
      return new HostEngine('host', setup, new MlpGradients(setup));
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
