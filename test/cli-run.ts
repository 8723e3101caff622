// `node bin/bimt.js ...` as a child process that the test awaits. Long files of CLI runs use it
// instead of spawnSync: a synchronous child blocks the test worker's event loop, and a file that
// blocks it for over a minute in all (the golden runs, every shipped config) makes vitest's own
// worker-to-runner messages time out, an unhandled error that fails the whole suite.
import { spawn } from 'node:child_process';

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with `args` (in `cwd`, default the repository root; `env` added to this
 * process's) and resolves when it exits. With `killAfterMs` it is killed after that long, so a
 * command that hangs again fails its test instead of hanging the suite.
 */
export function runCommand(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const kill = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(kill);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs the CLI with `args` from the repository root (`env` added to this process's) and resolves when it exits. */
export function runBimt(args: readonly string[], env: NodeJS.ProcessEnv = {}, opts: { killAfterMs?: number } = {}): Promise<CliResult> {
  return runCommand(process.execPath, ['bin/bimt.js', ...args], { env, ...opts });
}
