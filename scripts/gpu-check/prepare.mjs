// npm run gpu-check: everything an offline Linux x64 machine with an NVIDIA GPU needs to check the
// webgpu path (docs/engines-and-gpu.md, "Backends"), in one ignored folder, .gpu-check/ (or the folder given),
// under 64 MiB: run.sh, and bundle.tar.xz holding
//   node/       this Node binary, with the libstdc++ and libgcc_s it links (used only if the machine's
//               own are missing or too old)
//   vulkan/     Debian's libvulkan1 (the Vulkan loader Dawn opens), unpacked from its .deb
//   bimt/       package.json, bin, dist (built), configs, src and test (vitest runs the tests from
//               source), and node_modules cut to what the webgpu tests and the benchmark load: the
//               runtime dependencies and vitest's, each tfjs package's Node bundle and wasm binaries
//               only, Dawn's binary for linux-x64 only, the MNIST digits once; no TypeScript
// The machine's NVIDIA Vulkan ICD is looked for by run.sh there, where it is.
// Run there: `bash .gpu-check/run.sh` (it says what it does); the output lands in $OUT, if set,
// else beside run.sh.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const out = resolve(process.argv[2] ?? join(root, '.gpu-check'));
const LIMIT = 64 * 1024 * 1024;
const platform = `${process.platform}-${process.arch}`;
if (platform !== 'linux-x64') {
  console.error(`gpu-check: prepares for Linux x64 (Dawn's binary, Debian's Vulkan loader), this is ${platform}`);
  process.exit(1);
}
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('gpu-check: dist/ is missing; run `npm run build` first (npm run gpu-check does)');
  process.exit(1);
}

const stage = mkdtempSync(join(tmpdir(), 'bimt-gpu-check-'));
const log = (s) => process.stderr.write(`gpu-check: ${s}\n`);
try {
  // --- bimt itself -------------------------------------------------------------------------------
  const app = join(stage, 'bimt');
  // dist/.tsbuildinfo is the test setup's incremental build state (test/global-setup.ts): of no
  // use where no TypeScript runs.
  const buildInfo = join(root, 'dist', '.tsbuildinfo');
  for (const p of ['package.json', 'bin', 'dist', 'configs', 'src', 'test', 'tsconfig.json', 'scripts/vulkan/webgpu-smoke.mjs', 'scripts/gpu-check/vitest.config.mjs']) {
    cpSync(join(root, p), join(app, p), { recursive: true, filter: (from) => from !== buildInfo });
  }

  // --- node_modules: the dependency closure of what runs there --------------------------------------
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  /** Packages never needed there: the native tfjs bindings (they download libtensorflow), TypeScript. */
  const skip = new Set(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'typescript']);
  const roots = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {}), 'vitest'];
  const dirs = new Map(); // package dir -> name
  const visit = (name, from) => {
    if (skip.has(name)) return;
    let dir;
    try {
      dir = packageDir(name, from);
    } catch {
      return; // an optional dependency not installed on this platform
    }
    if (dirs.has(dir)) return;
    dirs.set(dir, name);
    const j = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...j.dependencies, ...j.optionalDependencies, ...j.peerDependencies })) visit(dep, dir);
  };
  for (const name of roots) visit(name, root);
  for (const [dir, name] of dirs) {
    const dest = join(app, relative(root, dir));
    if (name.startsWith('@tensorflow/')) {
      // Node loads one bundle per tfjs package (its `main`); the wasm backend also its .wasm files.
      const j = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      mkdirSync(join(dest, 'dist'), { recursive: true });
      copyFileSync(join(dir, 'package.json'), join(dest, 'package.json'));
      copyFileSync(join(dir, j.main), join(dest, j.main));
      for (const f of readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(dir, 'dist', f), join(dest, 'dist', f));
    } else {
      cpSync(dir, dest, {
        recursive: true,
        filter: (src) => {
          const rel = relative(dir, src);
          if (rel.split('/').includes('node_modules')) return false; // nested packages are visited on their own
          if (name === 'webgpu' && rel.startsWith('dist/') && rel !== 'dist' && !rel.startsWith(`dist/${platform}`)) return false;
          if (name === 'webgpu' && rel.startsWith('build')) return false;
          if (name === 'mnist' && rel.startsWith('dist')) return false; // a browser bundle of the digits in src/
          return !/\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(src) || statSync(src).isDirectory();
        },
      });
    }
  }
  log(`${dirs.size} packages`);

  // --- node and the C++ runtime it links ------------------------------------------------------------
  mkdirSync(join(stage, 'node/bin'), { recursive: true });
  mkdirSync(join(stage, 'node/lib'));
  copyFileSync(process.execPath, join(stage, 'node/bin/node'));
  const ldd = execFileSync('ldd', [process.execPath], { encoding: 'utf8' });
  for (const lib of ['libstdc++.so.6', 'libgcc_s.so.1']) {
    const m = ldd.match(new RegExp(`${lib.replace(/[.+]/g, '\\$&')} => (\\S+)`));
    if (m) copyFileSync(m[1], join(stage, 'node/lib', lib));
  }

  // --- Debian's Vulkan loader ---------------------------------------------------------------------
  const debs = mkdtempSync(join(tmpdir(), 'bimt-vulkan-'));
  execFileSync('apt-get', ['-qq', '-o', `APT::Sandbox::User=${userInfo().username}`, 'download', 'libvulkan1'], { cwd: debs, stdio: ['ignore', 'ignore', 'inherit'] });
  const deb = readdirSync(debs).find((f) => f.endsWith('.deb'));
  execFileSync('dpkg-deb', ['-x', join(debs, deb), join(debs, 'x')]);
  mkdirSync(join(stage, 'vulkan'));
  const libDir = join(debs, 'x/usr/lib/x86_64-linux-gnu');
  for (const f of readdirSync(libDir).filter((f) => f.startsWith('libvulkan.so'))) cpSync(join(libDir, f), join(stage, 'vulkan', f), { dereference: true });
  rmSync(debs, { recursive: true, force: true });
  log(`Vulkan loader from ${deb}`);

  // --- the folder ----------------------------------------------------------------------------------
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync('tar', ['-C', stage, '-cf', join(out, 'bundle.tar.xz'), '-I', 'xz -T0 -9', 'bimt', 'node', 'vulkan']);
  copyFileSync(join(root, 'scripts/gpu-check/run.sh'), join(out, 'run.sh'));
  const size = statSync(join(out, 'bundle.tar.xz')).size + statSync(join(out, 'run.sh')).size;
  const mib = (size / 1024 / 1024).toFixed(1);
  if (size > LIMIT) {
    console.error(`gpu-check: ${out} holds ${mib} MiB, over the 64 MiB a device run carries`);
    process.exit(1);
  }
  console.log(`gpu-check: ${out} (${mib} MiB): copy it to the GPU machine and run \`bash ${relative(process.cwd(), out) || '.'}/run.sh\` there`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** The folder of package `name` as Node resolves it from `from` (nested node_modules first). */
function packageDir(name, from) {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) break;
  }
  // Fall back to Node's own resolution (for a package whose exports hide package.json).
  return dirname(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`));
}
