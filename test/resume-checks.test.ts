// What `bimt train --resume` checks before it trusts a run directory (through the CLI). Each case
// starts from a copy of a finished run cut back to what a run killed at step 400 leaves (states up
// to 400, metrics rows up to 500, meta.json "running" with a dead pid), then damages it one way:
// the resume must refuse with one line, or repair exactly (the finished metrics.csv is byte for
// byte the uninterrupted run's) and say what it did.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const runs = mkdtempSync(join(tmpdir(), 'bimt-resume-checks-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const whole = join(runs, 'whole');
const DEAD_PID = 99_999_999; // above any pid_max: no such process
const stepOf = (name: string) => Number(/step-(\d+)/.exec(name)?.[1] ?? NaN);
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

/** A copy of the whole run as a kill at `state` (rows written up to `rowsTo`) leaves it. */
function killedCopy(name: string, state = 400, rowsTo = 500, from = whole): string {
  const dir = join(runs, name);
  cpSync(from, dir, { recursive: true });
  for (const sub of ['checkpoints', 'snapshots']) {
    for (const f of readdirSync(join(dir, sub))) if (stepOf(f) > state) rmSync(join(dir, sub, f));
  }
  const meta = readJson(join(dir, 'meta.json'));
  for (const k of Object.keys(meta.checkpoints)) if (stepOf(k) > state) delete meta.checkpoints[k];
  Object.assign(meta, { status: 'running', pid: DEAD_PID, steps_done: state });
  delete meta.ended;
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  const lines = readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n').slice(0, -1);
  writeFileSync(join(dir, 'metrics.csv'), lines.filter((l, i) => i === 0 || Number(l.split(',')[0]) <= rowsTo).map((l) => `${l}\n`).join(''));
  return dir;
}

const metricsOf = (dir: string) => readFileSync(join(dir, 'metrics.csv'), 'utf8');

function expectRefused(r: ReturnType<typeof bimt>, reason: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n').at(-1)).toMatch(reason);
  expect(r.stderr).not.toMatch(/^\s+at /m); // one line, no stack
}

describe('resume checks the run directory', () => {
  beforeAll(() => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=600', '--set', 'lambda.changes.0.at=300', '--set', 'output.eval_every=50',
      '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'whole');
    expect(r.status, r.stderr).toBe(0);
  });

  it('a killed run: says from which step it resumes and what it dropped, and finishes identically', () => {
    const dir = killedCopy('killed');
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`bimt: resuming ${dir} from step 400 of 600 (step-000400.state.safetensors)`);
    expect(r.stderr).toContain('dropped 2 rows after step 400; training writes them again');
    expect(metricsOf(dir)).toBe(metricsOf(whole));
    const meta = readJson(join(dir, 'meta.json'));
    expect(meta.status).toBe('completed');
    expect(meta.resumes).toHaveLength(1);
    expect(meta.resumes[0]).toMatchObject({ from_step: 400, command: ['bimt', 'train', '--resume', dir] });
  });

  it('refuses when metrics.csv was deleted', () => {
    const dir = killedCopy('no-metrics');
    rmSync(join(dir, 'metrics.csv'));
    expectRefused(bimt('train', '--resume', dir), /metrics\.csv: missing; the rows up to step 400 cannot be recovered/);
    expect(readJson(join(dir, 'meta.json')).status).toBe('running');
  });

  it('refuses when metrics.csv was shortened or lost a row', () => {
    const short = killedCopy('short');
    const lines = metricsOf(short).split('\n');
    writeFileSync(join(short, 'metrics.csv'), lines.slice(0, 7).join('\n') + '\n'); // header + steps 0..250
    expectRefused(bimt('train', '--resume', short), /metrics\.csv: has no row for step 300 \(rows up to the saved state at step 400 must all be there/);

    const gap = killedCopy('gap');
    writeFileSync(join(gap, 'metrics.csv'), metricsOf(gap).split('\n').filter((l) => !l.startsWith('150,')).join('\n'));
    expectRefused(bimt('train', '--resume', gap), /has no row for step 150/);
  });

  it('does not trust a state without a checksum in meta.json: resumes from the last verified one', () => {
    const dir = killedCopy('no-sha');
    const meta = readJson(join(dir, 'meta.json'));
    delete meta.checkpoints['step-000400.state.safetensors'];
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    // Corrupt its tensors (the header stays readable): trusting it would train on garbage.
    const file = join(dir, 'checkpoints', 'step-000400.state.safetensors');
    const bytes = readFileSync(file);
    const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
    bytes.fill(0x7f, dataStart, dataStart + 256);
    writeFileSync(file, bytes);

    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('checkpoints/step-000400.state.safetensors: no checksum in meta.json');
    expect(r.stderr).toContain('from step 200 of 600 (step-000200.state.safetensors)');
    expect(metricsOf(dir)).toBe(metricsOf(whole));
  });

  it('with no verified state at all, trains again from step 0 in the same directory', () => {
    const dir = killedCopy('no-state');
    const meta = readJson(join(dir, 'meta.json'));
    meta.checkpoints = {};
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('no saved state is usable; training again from step 0 in this directory');
    expect(r.stderr).toContain(`resuming ${dir} from step 0 of 600\n`);
    expect(metricsOf(dir)).toBe(metricsOf(whole));
    expect(Object.keys(readJson(join(dir, 'meta.json')).checkpoints)).toHaveLength(8); // steps 0, 200, 400, 600
  });

  it('refuses a meta.json without its checksums', () => {
    const dir = killedCopy('no-record');
    const meta = readJson(join(dir, 'meta.json'));
    delete meta.checkpoints;
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    // readMeta checks every field, so the run is refused before anything trusts a missing record.
    expectRefused(bimt('train', '--resume', dir), /meta\.json: unreadable run metadata: field checkpoints is missing$/);
  });

  it('refuses a config.yaml edited after the run started', () => {
    const dir = killedCopy('edited');
    writeFileSync(join(dir, 'config.yaml'), readFileSync(join(dir, 'config.yaml'), 'utf8').replace(/lr: .*/, 'lr: 0.5'));
    expectRefused(bimt('train', '--resume', dir), /config\.yaml: changed since the run started/);
  });

  it('refuses a metrics.csv that is a symbolic link', () => {
    const dir = killedCopy('link');
    const elsewhere = join(runs, 'elsewhere.csv');
    cpSync(join(dir, 'metrics.csv'), elsewhere);
    rmSync(join(dir, 'metrics.csv'));
    symlinkSync(elsewhere, join(dir, 'metrics.csv'));
    expectRefused(bimt('train', '--resume', dir), /metrics\.csv: is a symbolic link/);
  });

  it('drops a row cut off mid-write after the state, and says so', () => {
    const dir = killedCopy('cut-after');
    appendFileSync(join(dir, 'metrics.csv'), '550,0.01,0.2');
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('dropped a last row cut off mid-write');
    expect(metricsOf(dir)).toBe(metricsOf(whole));
  });

  it("refuses when the state's own row is cut off mid-write", () => {
    const dir = killedCopy('cut-at', 400, 400);
    const text = metricsOf(dir);
    writeFileSync(join(dir, 'metrics.csv'), text.slice(0, text.length - 10)); // row 400 loses its end
    expectRefused(bimt('train', '--resume', dir), /has no row for step 400/);
  });

  it('removes temporary files left by a killed write', () => {
    const dir = killedCopy('tmp');
    const stale = [join(dir, `.metrics.csv.${DEAD_PID}.0.tmp`), join(dir, 'checkpoints', `.step-000600.state.safetensors.${DEAD_PID}.7.tmp`)];
    for (const f of stale) writeFileSync(f, 'half a write');
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('removed 2 temporary files left by a write cut off by a kill');
    for (const f of stale) expect(existsSync(f)).toBe(false);
    expect(metricsOf(dir)).toBe(metricsOf(whole));
  });
});

describe('resume checks the data files', () => {
  // A table run on a copy of iris: meta.json records the CSV's size and sha256 when the run starts.
  const data = join(runs, 'data');
  const csv = join(data, 'iris.csv');
  const table = join(runs, 'table');
  beforeAll(() => {
    cpSync('data/iris.csv', csv);
    const r = bimt('train', 'configs/table-example.yaml', '--set', `task.path=${csv}`, '--set', 'train.steps=600', '--set', 'output.eval_every=50',
      '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'table');
    expect(r.status, r.stderr).toBe(0);
    const recorded = readJson(join(table, 'meta.json')).data_files;
    expect(recorded).toEqual([{ path: csv, size: readFileSync(csv).length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });
  const restore = () => cpSync('data/iris.csv', csv);

  it('refuses a CSV file edited after the run started, naming it', () => {
    const dir = killedCopy('table-edited', 400, 500, table);
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('5.1,', '5.2,'));
    expectRefused(bimt('train', '--resume', dir), new RegExp(`${csv.replace(/[.]/g, '\\.')}: the data changed since the run started \\(its sha256 differs from data_files in meta\\.json\\); restore it, or train a new run with the changed data$`));
    appendFileSync(csv, '5.0,3.0,1.5,0.2,setosa\n');
    expectRefused(bimt('train', '--resume', dir), /iris\.csv: the data changed since the run started \(\d+ bytes, \d+ when the run started\)/);
    restore();
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(metricsOf(dir)).toBe(metricsOf(table));
  });

  it('resumes a run from before the record, saying once that its data was not checked', () => {
    const dir = killedCopy('table-old', 400, 500, table);
    const meta = readJson(join(dir, 'meta.json'));
    delete meta.data_files;
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/no checksums of the data files \(a run from an older bimt\); the data was not checked/g)).toHaveLength(1);
    expect(readJson(join(dir, 'meta.json')).data_files).toEqual(readJson(join(table, 'meta.json')).data_files);
  });
});
