// Before any test file: compile src/ to dist/ and type-check src/ and test/ together, and bundle
// the `bimt view` page script. The CLI
// tests spawn bin/bimt.js and the workers engine starts dist/train/gradient-worker.js, so both
// must match the sources under test, however vitest was started; vitest itself strips types
// without checking them, so a type error in a test would otherwise go unnoticed.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const project of ['tsconfig.json', 'tsconfig.test.json', 'tsconfig.page.json']) {
    execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  }
  // The `bimt view` page script (dist/view/page.js), which the view tests' pages inline.
  execFileSync(process.execPath, ['scripts/build-view.mjs'], { stdio: 'inherit' });
}
