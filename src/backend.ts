/**
 * Choosing the tfjs backend, in one place: tensorflow-gpu (tfjs-node-gpu) > tensorflow
 * (tfjs-node) > wasm > cpu, the first that loads. The node packages are optional dependencies
 * (their install downloads libtensorflow, which fails where there is no internet), so they are
 * imported by name at run time and their absence is normal. tfjs itself is imported only when a
 * backend is selected: loading it takes most of a second, and `bimt --help`, `bimt ls` and a run
 * of the host engine do without it.
 */
import { BimtError } from './errors.js';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  readonly name: BackendName;
  /** Why the faster backends were passed over (shown with --verbose and recorded in meta.json). */
  readonly skipped: readonly string[];
}

/** What a run records as its backend when it loaded none: the host engine computes without tfjs. */
export const NO_BACKEND = { name: 'none', skipped: [] } as const;
export type RunBackend = BackendChoice | typeof NO_BACKEND;

let chosen: BackendChoice | undefined;

/** The backend selectBackend activated in this process, or 'none' before it has been called. */
export function activeBackend(): BackendName | typeof NO_BACKEND.name {
  return chosen?.name ?? NO_BACKEND.name;
}

/** Loads and activates a backend: `forced` or the first that works. Idempotent per process. */
export async function selectBackend(forced?: BackendName): Promise<BackendChoice> {
  if (chosen && (!forced || forced === chosen.name)) return chosen;
  const order = forced ? [forced] : BACKENDS;
  const skipped: string[] = [];
  for (const name of order) {
    try {
      await activate(name);
      chosen = { name, skipped };
      return chosen;
    } catch (e) {
      skipped.push(`${name}: ${firstLine(e)}`);
    }
  }
  if (forced) throw new BimtError(`--backend ${forced} cannot be loaded: ${skipped.join('; ')}`);
  throw new Error(`no tfjs backend could be loaded: ${skipped.join('; ')}`);
}

async function activate(name: BackendName): Promise<void> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      // Both packages register a backend called "tensorflow"; the package decides CPU or GPU.
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(pkg);
      await setOrThrow('tensorflow');
      return;
    }
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      await setOrThrow('wasm');
      return;
    case 'cpu':
      await setOrThrow('cpu');
      return;
  }
}

async function setOrThrow(name: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs could not initialise the ${name} backend`);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

export function isBackendName(s: string): s is BackendName {
  return (BACKENDS as readonly string[]).includes(s);
}
