// Before any test file: compile src/ to dist/ and type-check src/ and test/ together, and bundle
// the `bimt view` page script. The CLI
// tests spawn bin/bimt.js and the workers engine starts dist/train/gradient-worker.js, so both
// must match the sources under test, however vitest was started; vitest itself strips types
// without checking them, so a type error in a test would otherwise go unnoticed.
//
// The three projects are built by one `tsc --build`, incrementally: each tsconfig keeps its build
// info under dist/.tsbuildinfo/, so a checkout where nothing changed since the last run is
// found up to date from file times alone (about two seconds, where checking all three took over a
// minute), and a changed file re-checks only what depends on it. A project with errors is never
// up to date, so a type error fails every run until it is fixed. Deleting dist/ deletes the build
// info with it; `npm run bench-test-start` measures this setup cold and warm. `npm run build` and
// `prepare` compile everything (--incremental false), as an incremental tsc writes only what
// changed and would leave a deleted output missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD_INFO = join(ROOT, 'dist/.tsbuildinfo');

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // `tsc --build` finds a project up to date when its build info is newer than its sources and
  // tsconfig; it looks neither at node_modules nor at the outputs. So after an `npm install` each
  // project is checked afresh against the new type declarations, and a dist/ file deleted by
  // hand has src/ compiled afresh.
  const installed = modifiedMs(join(ROOT, 'node_modules/.package-lock.json'));
  for (const project of ['src', 'test', 'page']) {
    const info = join(BUILD_INFO, `${project}.tsbuildinfo`);
    if (installed >= modifiedMs(info)) rmSync(info, { force: true });
  }
  const missing = missingOutputs();
  if (missing !== undefined) {
    console.log(`test setup: ${missing} is missing; compiling src/ afresh`);
    rmSync(join(BUILD_INFO, 'src.tsbuildinfo'), { force: true });
  }
  execFileSync(process.execPath, [tsc, '--build', 'tsconfig.json', 'tsconfig.test.json', 'tsconfig.page.json'], { cwd: ROOT, stdio: 'inherit' });
  // The `bimt view` page script (dist/view/page.js), which the view tests' pages inline.
  execFileSync(process.execPath, ['scripts/build-view.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

/** The first dist/ file that tsconfig.json's build of src/ should have written and did not, if any. */
function missingOutputs(): string | undefined {
  const srcDir = join(ROOT, 'src');
  const pageDir = join(srcDir, 'view/page'); // bundled by esbuild, not emitted by tsc
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path === pageDir) continue;
        const found = walk(path);
        if (found !== undefined) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = join(ROOT, 'dist', relative(srcDir, path).replace(/\.ts$/, '.js'));
        if (!existsSync(out)) return relative(ROOT, out);
      }
    }
    return undefined;
  };
  return walk(srcDir);
}

/** A file's modification time in milliseconds, or 0 where it does not exist. */
function modifiedMs(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}
