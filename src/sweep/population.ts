/**
 * The population launcher (docs/design.md, "Populations"): a sweep's points trained in this
 * process, those that share a shape as one batched computation (src/train/population-engine.ts)
 * on a GPU backend, each still a run directory of its own with its metrics, checkpoints and
 * resume, exactly as `bimt train` would write it. On a CPU backend (wasm, cpu), or for a network
 * with no batched forward pass, a batch saves nothing, so the points train one by one as separate
 * runs (`batch: always` batches on any backend: the tests hold a batch to separate runs on cpu).
 *
 * What must match within one batch (`shapeKey`): the architecture, the task's inputs, targets and
 * row counts, full batches or the batch size, and the loss. Seeds, lambda, the schedules, Adam's
 * settings, the swap settings and the number of steps may differ member by member.
 */
import { selectBackend, describeBackend, type BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import type { TrainingPlan } from '../config/plan.js';
import { openRunDir } from '../runs/run-dir.js';
import type { EngineSetup } from '../train/engine.js';
import { checkMemory, defaultMemoryLimit } from '../train/memory.js';
import { PopulationGate, whyNotBatchable } from '../train/population-engine.js';
import { createProgress } from '../train/progress.js';
import { resumeTraining, runTraining, type RunOutcome } from '../train/run.js';
import { catchStopSignals, type StopSignals } from '../train/stop-signals.js';
import type { SweepPoint } from './grid.js';
import { claimPoint, runPoint, type PointClaim } from './point.js';
import { thisProcess, writeLauncherRecord, type Sweep } from './sweep-dir.js';

/** When members share one batch: on a GPU backend only (`auto`), or on any (`always`). */
export type BatchWhen = 'auto' | 'always';

export interface PopulationResult {
  readonly interrupted: boolean;
}

export async function runPopulation(sweep: Sweep, todo: readonly SweepPoint[], when: BatchWhen, stream: NodeJS.WriteStream = process.stderr): Promise<PopulationResult> {
  writeLauncherRecord(sweep.paths, { kind: 'local', ...thisProcess(), since: new Date().toISOString() });
  const stop = catchStopSignals({ armed: true });
  try {
    const backend = await selectBackend(sweep.spec.backend);
    // No --verbose here: the backends passed over are named, and each member's meta.json says why.
    stream.write(`bimt: backend ${describeBackend(backend, true)}\n`);
    const gpu = backend.name === 'webgpu' || backend.name === 'tensorflow-gpu';
    if (!gpu && when === 'auto') {
      stream.write(`bimt: population: ${backend.name} is a CPU backend, where a batch saves nothing; training the ${todo.length} member(s) one by one\n`);
      return await oneByOne(sweep, todo, stop, stream);
    }
    // Members claimed and planned, then grouped by shape.
    const members = todo.map((point) => ({ point, claim: claimPoint(sweep, point) }));
    const groups = new Map<string, Member[]>();
    for (const m of members) {
      if (!m.claim.request) continue;
      try {
        const plan = planOf(m.claim);
        checkMemory(plan, defaultMemoryLimit());
        const why = whyNotBatchable(plan.graph, plan.task);
        const key = why ? `alone:${m.point.index}` : shapeKey(plan);
        groups.set(key, [...(groups.get(key) ?? []), { ...m, plan, why }]);
      } catch (e) {
        m.claim.failed(e);
        stream.write(`${m.point.name}: failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
      }
    }
    for (const group of groups.values()) {
      if (stop.received) break;
      await trainGroup(group, backend, stop, stream);
    }
    return { interrupted: stop.received !== undefined };
  } finally {
    stop.finish();
    stop.dispose();
  }
}

interface Member {
  readonly point: SweepPoint;
  readonly claim: PointClaim;
  readonly plan: TrainingPlan;
  /** Why the member cannot share a batch, if it cannot. */
  readonly why: string | undefined;
}

function planOf(claim: PointClaim): TrainingPlan {
  const req = claim.request!;
  return req.kind === 'new' ? req.plan : loadConfig(openRunDir(req.dir).config).plan;
}

/** What members must share to train in one batch. */
function shapeKey(plan: TrainingPlan): string {
  const { task, evalTask } = plan;
  return JSON.stringify({
    arch: plan.arch,
    inputs: task.inputs,
    targets: task.targets,
    rows: [task.train.n, evalTask.train.n, evalTask.test.n],
    batch: plan.batching.kind === 'full' ? 'full' : plan.batchRows,
    loss: plan.classLoss,
  });
}

/** One group's members, as one batch when there are several; each records its own outcome. */
async function trainGroup(group: readonly Member[], backend: BackendChoice, stop: StopSignals, stream: NodeJS.WriteStream): Promise<void> {
  const K = group.length;
  const gate = new PopulationGate(K);
  const why = `one of ${K} networks trained as one batched tfjs computation on ${backend.name}`;
  if (K === 1) stream.write(`bimt: ${group[0]!.point.name}: trained alone${group[0]!.why ? ` (${group[0]!.why})` : ''}\n`);
  else stream.write(`bimt: population of ${K} (${group.map((m) => m.point.name).join(', ')}) as one batch on ${backend.name}\n`);
  const steps = Math.max(...group.map((m) => m.plan.schedule.steps));
  // A member trained alone shows its own progress bar, as `bimt train` does.
  const progress = K === 1 ? { update: () => {}, stop: () => {} } : createProgress(steps, stream);
  const done = new Array<number>(K).fill(0);
  const memberStop = followStop(stop);
  const outcomes = await Promise.all(
    group.map(async (m, k) => {
      const member = K === 1 ? undefined : {
        make: (setup: EngineSetup) => gate.engineFor(k, setup),
        why,
        onStep: (step: number) => {
          done[k] = step;
          progress.update(Math.min(...done), undefined);
        },
      };
      const req = m.claim.request!;
      try {
        const common = { backend, stop: memberStop, ...(member ? { member } : {}) };
        const outcome: RunOutcome =
          req.kind === 'new'
            ? await runTraining({ ...common, config: req.config, plan: req.plan, name: req.name, exactName: true, runsDir: req.runsDir, source: { file: req.source.file, sets: req.source.sets.map((x) => (typeof x === 'string' ? x : x.text)) } })
            : await resumeTraining(req.dir, common);
        m.claim.ended(outcome);
        return `${m.point.name}: ${outcome.status}`;
      } catch (e) {
        if (process.env.BIMT_DEBUG) console.error(e);
        m.claim.failed(e);
        return `${m.point.name}: failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      } finally {
        gate.leave(k);
      }
    }),
  );
  progress.stop();
  for (const line of outcomes) stream.write(`${line}\n`);
}

/**
 * The population's signal handling as each member sees it: the signal it polls, with arming and
 * finishing left to the population (a member that ends first must not stop the others' Ctrl-C).
 */
function followStop(stop: StopSignals): StopSignals {
  return {
    get received() {
      return stop.received;
    },
    arm: () => {},
    onStop: () => {},
    finish: () => {},
    dispose: () => {},
  };
}

/** Members trained one after another, each a separate run exactly as a sweep's point. */
async function oneByOne(sweep: Sweep, todo: readonly SweepPoint[], stop: StopSignals, stream: NodeJS.WriteStream): Promise<PopulationResult> {
  for (const point of todo) {
    if (stop.received) return { interrupted: true };
    stream.write(`bimt: ${point.name} (${point.sets.join(' ')})\n`);
    try {
      await runPoint(sweep.paths.root, point.index, { stop: followStop(stop) });
    } catch (e) {
      stream.write(`${point.name}: failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    }
  }
  return { interrupted: stop.received !== undefined };
}
