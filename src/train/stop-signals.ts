/**
 * Ctrl-C (SIGINT) and SIGTERM during training. They are caught from the moment `bimt train`
 * starts, not only once the loop runs, so that a signal at any moment ends as `interrupted`
 * (exit 130) and never as a process killed halfway through writing its run:
 *
 *   before the run directory is this process's (loading the backend, reading the config):
 *       exit 130 at once; nothing was written
 *   while training (`arm()` was called):
 *       the loop finishes its step, checkpoints and returns `interrupted`; a second signal (a
 *       second Ctrl-C, a supervisor's SIGTERM) is reported and ignored, so the checkpoint is
 *       finished
 *   once the run's files are final (`finish()`):
 *       ignored; the process is about to exit with the run's own code
 */
export interface StopSignals {
  /** The first signal received while training, if any: the loop polls it. */
  readonly received: NodeJS.Signals | undefined;
  /** The run directory is now this process's: a signal stops training instead of the process. */
  arm(): void;
  /** Called on the first signal while training, before its message (the progress bar stops). */
  onStop: () => void;
  /** The run's files are final: later signals change nothing. */
  finish(): void;
  /** Removes the handlers (for callers that go on after training, like `bimt reproduce`). */
  dispose(): void;
}

export function catchStopSignals(opts: { armed?: boolean } = {}): StopSignals {
  let phase: 'before' | 'training' | 'done' = opts.armed ? 'training' : 'before';
  const handler = (signal: NodeJS.Signals) => {
    if (phase === 'before') {
      process.stderr.write(`\nbimt: ${signal}: stopped before training started; nothing was written\n`);
      process.exit(130);
    }
    if (phase === 'done') return;
    if (self.received === undefined) {
      self.received = signal;
      self.onStop();
      process.stderr.write(`\nbimt: ${signal}: finishing the current step and saving a checkpoint...\n`);
    } else {
      process.stderr.write(`bimt: ${signal}: already stopping; the checkpoint is being saved\n`);
    }
  };
  const self: StopSignals & { received: NodeJS.Signals | undefined } = {
    received: undefined,
    arm: () => {
      if (phase === 'before') phase = 'training';
    },
    onStop: () => {},
    finish: () => {
      phase = 'done';
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return self;
}
