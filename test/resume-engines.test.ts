// Exact resume on the engines other than host (test/resume.test.ts interrupts host runs with real
// signals): each keeps Adam's moments in its own place, and a resumed run must restore them, the
// update counter and the parameters exactly, or the metrics drift from an uninterrupted run's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { readMeta } from '../src/runs/run-dir.js';
import { runTraining } from '../src/train/run.js';

const quiet = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;

const modular = ['task.p=11', 'task.embedding_dim=4', 'model.widths=[8, 12, 12, 11]', 'swap.top_k=4'];
// [engine, config, overrides]: tfjs keeps the moments in tfjs variables, workers on the host beside
// gradient threads that must start from the restored parameters; modular addition brings an embedding.
const cases: [string, string, string[]][] = [
  ['tfjs', 'two-moons', []],
  ['tfjs', 'modular-addition', modular],
  ['workers', 'two-moons', []],
];

describe('resume on every engine', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-resume-engines-'));

  it.each(cases)('train.engine %s, %s: stopped mid-run and resumed with --resume, metrics.csv is byte for byte the uninterrupted run\'s', async (engine, task, sets) => {
    // Swaps, checkpoints and a lambda change on both sides of the stop at step 73, which is on no
    // eval, swap or checkpoint boundary.
    const { config, plan } = loadConfig(`configs/${task}.yaml`, [
      ...sets,
      `train.engine=${engine}`,
      'train.steps=200',
      'lambda.changes=[{at: 100, multiply: 10}]',
      'swap.every=40',
      'output.eval_every=10',
      'output.checkpoint_every=60',
    ]);
    const backend = await selectBackend();
    const run = (name: string, stopAfter?: number) =>
      runTraining({ config, plan, name: `${engine}-${task}-${name}`, exactName: true, backend, runsDir: runs, progressStream: quiet, ...(stopAfter ? { stopAfter } : {}) });

    const whole = await run('whole');
    expect(whole.status).toBe('completed');
    expect(readMeta(whole.paths).engine).toBe(engine);
    const csv = readFileSync(whole.paths.metrics, 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(1 + 21);

    const part = await run('part', 73);
    expect(part.status).toBe('interrupted');
    expect(readMeta(part.paths)).toMatchObject({ status: 'interrupted', steps_done: 73, engine });

    // A fresh process, as a user resumes, on the backend the run started on.
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', '--resume', part.paths.root, '--backend', backend.name], { encoding: 'utf8' });
    expect(r.stderr).toContain(`bimt: engine ${engine}`);
    expect(r.status).toBe(0);
    expect(readMeta(part.paths)).toMatchObject({ status: 'completed', steps_done: 200 });
    expect(readFileSync(part.paths.metrics, 'utf8')).toBe(csv);
  });
});
