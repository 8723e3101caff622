/**
 * Errors a user can cause (bad config, missing file, bad argument). The CLI prints their message
 * on one line without a stack trace and exits with `exitCode` (2 for usage errors, 1 for
 * failures), as docs/DESIGN.md, "Errors" says. Anything else that escapes is a bug and keeps its stack.
 */
export class BimtError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'BimtError';
  }
}
