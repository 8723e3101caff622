/**
 * The webgpu backend in Node (docs/engines-and-gpu.md, "Backends"): @tensorflow/tfjs-backend-webgpu over
 * the `webgpu` package (Dawn's Node bindings: Vulkan on Linux, Metal on a Mac), both optional
 * dependencies, so both are imported by a name held in a variable and their absence is normal.
 *
 * Dawn writes its warnings straight to the process's stderr, several lines each, wherever no
 * adapter can be made (no Vulkan loader, no driver, a driver it refuses). The adapter is therefore
 * looked for in a child process first: a machine without one gets one line saying why, and Dawn
 * is loaded into this process only when its adapter is going to be used.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

const DAWN_PKG = 'webgpu';
const BACKEND_PKG = '@tensorflow/tfjs-backend-webgpu';
/** What tfjs's webgpu backend asks Dawn for; the adapter looked at is the one it then gets. */
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;
/** Longer than Dawn ever took to list a machine's adapters; a hung driver is no adapter. */
const PROBE_TIMEOUT_MS = 60_000;

/** The WebGPU adapter a run trained on, as the run prints and records it. */
export interface GpuAdapter {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** WebGPU's own isFallbackAdapter. */
  readonly fallback: boolean;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader): fallback, or named so in its strings. */
  readonly software: boolean;
}

/** Why webgpu cannot be used here; `code` marks a package that is not installed, as Node does. */
export class WebgpuUnavailable extends Error {
  constructor(
    message: string,
    readonly code?: 'MODULE_NOT_FOUND',
  ) {
    super(message);
    this.name = 'WebgpuUnavailable';
  }
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|\bcpu\b/i;

/** Whether adapter strings (and the fallback flag) describe a CPU implementation. */
export function isSoftwareAdapter(a: Omit<GpuAdapter, 'software'>): boolean {
  return a.fallback || [a.vendor, a.architecture, a.device, a.description].some((s) => SOFTWARE_NAMES.test(s));
}

/** One line naming an adapter: `mesa software "llvmpipe: Mesa 25.0.7 ..." (fallback adapter)`. */
export function adapterLine(a: GpuAdapter): string {
  const name = a.description || a.device;
  const kind = a.fallback ? ' (fallback adapter)' : a.software ? ' (software)' : '';
  return `${[a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter'}${name ? ` "${name}"` : ''}${kind}`;
}

/**
 * Loads and activates tfjs's webgpu backend on the machine's adapter, returning that adapter. A
 * software adapter is refused unless `allowSoftware` (`--backend webgpu`): it is far slower than
 * the CPU backends. Throws WebgpuUnavailable with the reason; tfjs is then left without a webgpu
 * backend, so the next backend can be set.
 */
export async function activateWebgpu(allowSoftware: boolean): Promise<GpuAdapter> {
  const dawnUrl = resolvePackage(DAWN_PKG);
  resolvePackage(BACKEND_PKG);
  const adapter = await probeAdapter(dawnUrl);
  if (adapter.software && !allowSoftware) {
    throw new WebgpuUnavailable(`only a software adapter, ${adapterLine(adapter)}, which is used only with --backend webgpu`);
  }
  await installNavigatorGpu(dawnUrl);
  const tf = await import('@tensorflow/tfjs');
  const backendPkg: string = BACKEND_PKG;
  await import(backendPkg);
  // A failed initialisation leaves tfjs set to a backend that never started, and tfjs reports
  // why only as console warnings (with a stack): catch them for the one-line reason.
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
    await tf.ready();
  } catch (e) {
    warnings.push(e instanceof Error ? e.message : String(e));
  } finally {
    console.warn = warn;
  }
  if (ok && tf.getBackend() === 'webgpu') {
    chunkAddN(tf);
    watchDevice(tf);
    return adapter;
  }
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const why = warnings.find((w) => !/^Initialization of backend/.test(w)) ?? 'no reason given';
  throw new WebgpuUnavailable(`tfjs could not initialise webgpu on ${adapterLine(adapter)}: ${why.split('\n')[0]}`);
}

let deviceError: string | undefined;

/**
 * The first error the webgpu device reported, if any. Dawn reports a command it refuses (a
 * shader over the device's limits, say) asynchronously and runs the rest without it, so the
 * numbers go wrong without a throw; reads of results check this (src/model/tf-variables.ts).
 */
export function webgpuError(): string | undefined {
  return deviceError;
}

function watchDevice(tf: typeof import('@tensorflow/tfjs')): void {
  const { device } = tf.backend() as unknown as { device: EventTarget };
  device.addEventListener('uncapturederror', (e) => {
    const message = (e as Event & { error?: { message?: string } }).error?.message ?? 'unknown error';
    deviceError ??= message.split('\n')[0];
  });
}

/**
 * tfjs's webgpu AddN binds all its inputs to one shader, but a device allows only
 * maxStorageBuffersPerShaderStage storage buffers (8 unless asked for more, one of them the
 * output): a gradient summed from more uses than that (a transformer's) fails validation and
 * leaves garbage. This AddN sums in chunks that fit.
 */
function chunkAddN(tf: typeof import('@tensorflow/tfjs')): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original) return;
  type WebgpuBackend = { device: { limits: { maxStorageBuffersPerShaderStage: number } }; disposeData(id: object): void };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const backend = args.backend as WebgpuBackend;
      const fit = backend.device.limits.maxStorageBuffersPerShaderStage - 1;
      const sum = (inputs: TensorInfo[]) => original.kernelFunc({ ...args, inputs: inputs as unknown as NamedTensorInfoMap }) as TensorInfo;
      let inputs = args.inputs as unknown as TensorInfo[];
      const partial: TensorInfo[] = [];
      while (inputs.length > fit) {
        const next: TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += fit) {
          const chunk = inputs.slice(i, i + fit);
          next.push(chunk.length === 1 ? chunk[0] : sum(chunk));
          if (chunk.length > 1) partial.push(next[next.length - 1]);
        }
        inputs = next;
      }
      const out = sum(inputs);
      // The backend frees a buffer only once the commands reading it have run.
      for (const t of partial) backend.disposeData(t.dataId);
      return out;
    },
  });
}

/** The file URL of an installed package's entry point. */
function resolvePackage(name: string): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve(name)).href;
  } catch {
    throw new WebgpuUnavailable(`the optional package ${name} is not installed`, 'MODULE_NOT_FOUND');
  }
}

/**
 * Run in a child `node`: the adapter tfjs would get, its strings, and whether a device can be
 * made on it, as one line of JSON on stdout (Dawn's warnings go to the child's stderr).
 */
const PROBE_SCRIPT = (dawnUrl: string) => `
const { create } = await import(${JSON.stringify(dawnUrl)});
const adapter = await create([]).requestAdapter(${JSON.stringify(ADAPTER_OPTIONS)});
const out = { adapter: null };
if (adapter) {
  const i = adapter.info ?? {};
  out.adapter = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '',
    fallback: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter) };
  try { (await adapter.requestDevice()).destroy(); } catch (e) { out.deviceError = String(e && e.message || e); }
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

interface ProbeResult {
  adapter: Omit<GpuAdapter, 'software'> | null;
  deviceError?: string;
}

/** The adapter tfjs would run on, looked for in a child process; WebgpuUnavailable when there is none. */
async function probeAdapter(dawnUrl: string): Promise<GpuAdapter> {
  const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: (Error & { killed?: boolean }) | null }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT(dawnUrl)], { timeout: PROBE_TIMEOUT_MS }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, error }),
    );
  });
  const dawnSays = firstDawnWarning(stderr);
  let result: ProbeResult | undefined;
  try {
    result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ProbeResult;
  } catch {
    const why = error?.killed ? `it did not answer in ${PROBE_TIMEOUT_MS / 1000} s` : (dawnSays ?? stderr.trim().split('\n')[0] ?? error?.message ?? 'no output');
    throw new WebgpuUnavailable(`looking for an adapter failed: ${why}`);
  }
  if (!result.adapter) throw new WebgpuUnavailable(`no WebGPU adapter${dawnSays ? ` (Dawn: ${dawnSays})` : ''}`);
  const adapter = { ...result.adapter, software: isSoftwareAdapter(result.adapter) };
  if (result.deviceError) throw new WebgpuUnavailable(`no device on ${adapterLine(adapter)}: ${result.deviceError.split('\n')[0]}`);
  return adapter;
}

/** The first of Dawn's `Warning: ...` lines, without the prefix: why it found no adapter. */
function firstDawnWarning(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('Warning: '));
  return line?.slice('Warning: '.length).trim();
}

/**
 * Dawn's `navigator.gpu` and its GPU* globals, which the tfjs backend module looks for when it
 * loads (it registers itself only if `navigator.gpu` exists) and uses while it runs.
 */
async function installNavigatorGpu(dawnUrl: string): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const dawn = (await import(dawnUrl)) as { create(flags: string[]): unknown; globals: object };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  // Node 20 has no navigator; later versions have one without gpu.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}
