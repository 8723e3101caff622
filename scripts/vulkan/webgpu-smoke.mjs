// node scripts/vulkan/webgpu-smoke.mjs [steps]: the webgpu stack alone, without bimt: Dawn's
// adapter (as tfjs's webgpu backend asks for it), then a few Adam steps of a [2, 20, 20, 2] matMul
// network on 200 rows on webgpu and on tfjs's cpu backend from the same start, with steps per
// second and how far apart the two end. Tells a driver problem from a bimt one; with lavapipe,
// source the env file of scripts/vulkan/lavapipe.sh first.
import { create, globals } from 'webgpu';

// Before the tfjs backend module loads: it registers itself only if navigator.gpu exists.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.log('no WebGPU adapter (Dawn says why on stderr)');
  process.exit(1);
}
const { vendor, architecture, device, description } = adapter.info;
console.log(JSON.stringify({ vendor, architecture, device, description, isFallbackAdapter: adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter }));

const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-webgpu');
const steps = Number(process.argv[2] ?? 100);

/** `steps` Adam steps on `backend`; every read-back is `await data()` (dataSync throws on webgpu in Node). */
async function train(backend) {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not initialise ${backend}`);
  const x = tf.randomNormal([200, 2], 0, 1, 'float32', 1);
  const y = tf.randomNormal([200, 2], 0, 1, 'float32', 2);
  const ws = [[2, 20], [20, 20], [20, 2]].map((s, i) => tf.variable(tf.randomNormal(s, 0, 0.5, 'float32', 3 + i)));
  const adam = tf.train.adam(0.01);
  const loss = () => tf.losses.meanSquaredError(y, ws.reduce((h, w, i) => (i ? tf.matMul(tf.relu(h), w) : tf.matMul(h, w)), x));
  await (await adam.minimize(loss, true)).data(); // compiles the kernels
  const t0 = performance.now();
  for (let s = 1; s < steps; s++) adam.minimize(loss, false);
  const last = await adam.minimize(loss, true).data();
  const params = await Promise.all(ws.map((w) => w.data()));
  return { loss: last[0], params, stepsPerSecond: (1000 * (steps - 1)) / (performance.now() - t0) };
}

const gpu = await train('webgpu');
const cpu = await train('cpu');
const rel = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
console.log(`webgpu: ${gpu.stepsPerSecond.toFixed(1)} steps/s, loss ${gpu.loss.toFixed(6)}`);
console.log(`cpu:    ${cpu.stepsPerSecond.toFixed(1)} steps/s, loss ${cpu.loss.toFixed(6)}`);
console.log(`after ${steps} steps, largest relative difference of a weight matrix: ${Math.max(...gpu.params.map((p, i) => rel(p, cpu.params[i]))).toExponential(2)}`);
