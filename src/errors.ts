/**
 * Errors a user can cause (bad config, missing file, bad argument). The CLI prints their message
 * on one line without a stack trace and exits with `exitCode` (2 for usage errors, 1 for
 * failures, 130 for work stopped by Ctrl-C or SIGTERM), as docs/design.md, "Errors" says. Anything else that escapes is a bug and keeps its stack.
 */
export class BimtError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130 = 2,
  ) {
    super(message);
    this.name = 'BimtError';
  }
}

/**
 * A config value that passed the schema but does not fit what it describes (widths that do not
 * match the task, a formula that is not finite on its inputs). It carries the key path so that
 * config loading can name the file and line the value came from; elsewhere its message reads
 * `model.widths: ...`.
 */
export class ConfigValueError extends BimtError {
  constructor(
    readonly path: readonly (string | number)[],
    readonly detail: string,
    message = `${path.join('.')}: ${detail}`,
  ) {
    super(message);
    this.name = 'ConfigValueError';
  }
}
