#!/usr/bin/env node
// Thin entry point: the compiled CLI lives in dist/ (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('bimt: not built yet; run `npm ci` or `npm run build` in the bimt folder\n');
  process.exit(1);
}
// Ctrl-C or SIGTERM while bimt loads (tfjs takes seconds), or in a command without handling of its
// own, ends it as interrupted: code 130, not killed by the signal. `bimt train` handles them
// itself once it starts (src/train/stop-signals.ts), and this one then stands aside.
const interrupted = (signal) => {
  if (process.listenerCount(signal) === 1) process.exit(130);
};
process.on('SIGINT', interrupted);
process.on('SIGTERM', interrupted);
// `bimt ls | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
