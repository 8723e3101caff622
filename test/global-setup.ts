// Before any test file: compile src/ to dist/ (and type-check). The CLI tests spawn bin/bimt.js
// and the workers engine starts dist/train/gradient-worker.js, so both must match the sources
// under test, however vitest was started.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
