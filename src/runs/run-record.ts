/**
 * What a run directory records about how it was made, so that nothing about a run lives outside
 * it: the command, the versions, the machine, the bimt commit, the config's source and overrides,
 * the time spent training and each resume. The fields are documented on `RunMeta`.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { configToYaml, type ResolvedConfig } from '../config/resolve.js';
import type { RunMeta } from './run-dir.js';

/** Where a run's config came from: the file and the `--set` overrides applied to it, in order. */
export interface ConfigSource {
  readonly file: string;
  readonly sets: readonly string[];
}

/** The fields of a new run's meta.json that describe its making. */
export function provenance(): Required<Pick<RunMeta, 'command' | 'node_version' | 'tfjs_version' | 'host'>> & Pick<RunMeta, 'git_commit'> {
  const commit = gitCommit();
  return {
    command: commandLine(),
    node_version: process.version,
    tfjs_version: installedTfjsVersion(),
    ...(commit ? { git_commit: commit } : {}),
    host: { name: hostname(), platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
  };
}

/**
 * The installed tfjs's version, read from its package.json rather than by importing tfjs: a
 * host-engine run loads no tfjs at all, and importing it only for this would cost a second.
 */
function installedTfjsVersion(): string {
  return (createRequire(import.meta.url)('@tensorflow/tfjs/package.json') as { version: string }).version;
}

/** `bimt` and the arguments this process was given. */
export function commandLine(): string[] {
  return ['bimt', ...process.argv.slice(2)];
}

/**
 * config.yaml: the resolved config, after comment lines naming its source file and overrides
 * (comments, so that the file loads back as the same config).
 */
export function runConfigText(config: ResolvedConfig, source: ConfigSource | undefined): string {
  const lines = source ? [`# source: ${source.file}`, ...source.sets.map((s) => `# --set ${s}`)] : [];
  return `${lines.map((l) => `${l.replace(/\n/g, ' ')}\n`).join('')}${configToYaml(config)}`;
}

/** Adds the session that began at `since` to the run's training time. */
export function addSessionTime(meta: RunMeta, since: Date, now = new Date()): void {
  const seconds = Math.max(0, (now.getTime() - since.getTime()) / 1000);
  meta.duration_s = Math.round(((meta.duration_s ?? 0) + seconds) * 1000) / 1000;
}

/**
 * HEAD of the git checkout bimt runs from, when bimt's own folder is the top of one (an install
 * inside someone else's repository is not bimt's commit). Best effort: no git, no commit.
 */
function gitCommit(): string | undefined {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const r = spawnSync('git', ['-C', root, 'rev-parse', '--show-toplevel', 'HEAD'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const [top, head] = r.stdout.trim().split('\n');
  try {
    return top && head && realpathSync(top) === realpathSync(root) && /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  } catch {
    return undefined;
  }
}
