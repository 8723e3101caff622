/**
 * Choosing the tfjs backend, in one place: tensorflow-gpu (tfjs-node-gpu) > webgpu (a hardware
 * adapter; src/webgpu.ts) > tensorflow (tfjs-node) > wasm > cpu, the first that loads. The node
 * and webgpu packages are optional dependencies (tfjs-node's install downloads libtensorflow,
 * which fails where there is no internet), so they are imported by name at run time and their
 * absence is normal. tfjs itself is imported only when a backend is selected: loading it takes
 * most of a second, and `bimt --help`, `bimt ls` and a run of the host engine do without it.
 */
import { BimtError } from './errors.js';
import { activateWebgpu, adapterLine, type GpuAdapter } from './webgpu.js';

export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type { GpuAdapter };

/** A faster backend that was passed over, and why. */
export interface SkippedBackend {
  readonly name: BackendName;
  readonly why: string;
  /** Whether its package is installed: then the reason is news (a GPU there but unusable). */
  readonly installed: boolean;
}

export interface BackendChoice {
  readonly name: BackendName;
  /** Why the faster backends were passed over (the backend line names them). */
  readonly skipped: readonly SkippedBackend[];
  /** The WebGPU adapter the webgpu backend runs on. */
  readonly adapter?: GpuAdapter;
}

/** What a run records as its backend when it loaded none: the host engine computes without tfjs. */
export const NO_BACKEND = { name: 'none', skipped: [] } as const;
export type RunBackend = BackendChoice | typeof NO_BACKEND;

/**
 * What a command needs of its backend. `syncReads`: it reads tensors back synchronously
 * (`bimt prune`, `plot` and `reproduce` evaluate that way), which webgpu cannot do in Node (no
 * OffscreenCanvas), so webgpu is left out of the order and refused when forced.
 */
export interface BackendNeeds {
  readonly syncReads?: boolean;
}

/** The backends a command with these needs can use, fastest first. */
export function backendsFor(needs: BackendNeeds): readonly BackendName[] {
  return needs.syncReads ? BACKENDS.filter((b) => b !== 'webgpu') : BACKENDS;
}

let chosen: BackendChoice | undefined;

/** The backend selectBackend activated in this process, or 'none' before it has been called. */
export function activeBackend(): BackendName | typeof NO_BACKEND.name {
  return chosen?.name ?? NO_BACKEND.name;
}

/** Loads and activates a backend: `forced` or the first that works. Idempotent per process. */
export async function selectBackend(forced?: BackendName, needs: BackendNeeds = {}): Promise<BackendChoice> {
  const usable = backendsFor(needs);
  if (forced && !usable.includes(forced)) {
    throw new BimtError(`--backend ${forced}: this command reads results back synchronously, which ${forced} cannot do in Node; use ${usable.join(', ')}`);
  }
  if (chosen && (forced ? forced === chosen.name : usable.includes(chosen.name))) return chosen;
  const order = forced ? [forced] : usable;
  const skipped: SkippedBackend[] = [];
  for (const name of order) {
    try {
      const adapter = await activate(name, forced === name);
      chosen = { name, skipped, ...(adapter ? { adapter } : {}) };
      return chosen;
    } catch (e) {
      skipped.push({ name, why: firstLine(e), installed: !isNotInstalled(e) });
    }
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
  if (forced) throw new BimtError(`--backend ${forced} cannot be loaded: ${reasons}`);
  throw new Error(`no tfjs backend could be loaded: ${reasons}`);
}

/**
 * The backend line's text after `backend `: the name and the adapter it runs on, and the faster
 * backends passed over, without why (docs/engines-and-gpu.md, "Backends"): on a machine without a GPU every GPU
 * backend is passed over, which is normal and no news, so the reasons (Dawn's "Couldn't load
 * Vulkan" among them) go to `--verbose` (skippedLines) and meta.json (skippedRecord):
 * `wasm (tensorflow-gpu, webgpu, tensorflow unavailable here; --verbose says why)`, without the
 * hint where the reasons follow or the command has no --verbose.
 */
export function describeBackend(b: BackendChoice, withoutHint = false): string {
  const on = b.adapter ? ` on ${adapterLine(b.adapter)}` : '';
  const skipped = b.skipped.length ? ` (${b.skipped.map((s) => s.name).join(', ')} unavailable here${withoutHint ? '' : '; --verbose says why'})` : '';
  return `${b.name}${on}${skipped}`;
}

/** Why each faster backend was passed over, a line each, for `--verbose`: `webgpu: no WebGPU adapter (...)`. */
export function skippedLines(b: RunBackend): string[] {
  return Object.entries(skippedRecord(b)).map(([name, why]) => `${name}: ${why}`);
}

/** Why each faster backend was passed over, by name, as meta.json records it (`backends_skipped`). */
export function skippedRecord(b: RunBackend): Record<string, string> {
  return Object.fromEntries(b.skipped.map((s) => [s.name, s.installed ? s.why : `not installed (${s.why})`]));
}

/** The adapter a run's backend runs on, if it is webgpu. */
export function adapterOf(b: RunBackend): GpuAdapter | undefined {
  return 'adapter' in b ? b.adapter : undefined;
}

/** Activates a backend; for webgpu returns its adapter (a software one only when `forced`). */
async function activate(name: BackendName, forced: boolean): Promise<GpuAdapter | undefined> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      // Both packages register a backend called "tensorflow"; the package decides CPU or GPU.
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(pkg);
      await setOrThrow('tensorflow');
      return undefined;
    }
    case 'webgpu':
      return activateWebgpu(forced);
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      await setOrThrow('wasm');
      return undefined;
    case 'cpu':
      await setOrThrow('cpu');
      return undefined;
  }
}

async function setOrThrow(name: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs could not initialise the ${name} backend`);
}

/** An import of a package that is not installed (Node's codes for ESM and CommonJS). */
function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

export function isBackendName(s: string): s is BackendName {
  return (BACKENDS as readonly string[]).includes(s);
}
