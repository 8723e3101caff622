/**
 * The matrix product of the host engine's networks (host-mlp.ts, transformer-host.ts), on float64
 * arrays that all live in one WebAssembly memory:
 *
 *     C[r, o] = R[r, o] + bias[o] + sum_i A(r, i) B[i, o]      r < m, o < n, i < k
 *     A(r, i) = mem[a + r * sar + i * sai]  (any strides: A or A^T of a row-major array)
 *     B[i, o] = mem[b + i * ldb + o],  C[r, o] = mem[c + r * ldc + o],  R[r, o] = mem[res + r * ldr + o]
 *     bias[o] = mem[bias + o]
 *
 * Offsets and strides count float64 elements. Strided A makes the three products of a linear
 * layer (x W, x^T dz, dz W^T) one kernel with no transposed copies of activations; R (a residual
 * stream, or C itself to accumulate; a zero row with ldr = 0 for none) and the bias save the
 * separate passes over C that cost as much as the products' arithmetic at these sizes. A
 * constant A (sar = 0, sai = 1 over ones) makes column sums.
 *
 * Each C[r, o] starts at R + bias and adds the products in the order i = 0, 1, ..., k - 1, a
 * multiply then an add (no fused multiply-add): with a zero R and bias, exactly the sums of a
 * plain dot-product loop, so swapping one for the other moves no bit (the golden runs of
 * test/golden-metrics.test.ts hold the host MLP to that).
 *
 * Why a kernel: a BioTransformer step (batch 64 x 3 tokens, E 32, M 128, two blocks) is about 14
 * million multiply-adds and an MNIST step (batch 100, [784, 100, 100, 10]) about 27 million; a
 * scalar JavaScript loop runs ~1.4 GMAC/s on the development machine, this WebAssembly SIMD kernel
 * (f64x2, so still float64 sums, with a 4 x 4 register tile) ~8 GMAC/s. The tile means m and n are
 * rounded up to multiples of 4: callers pad row counts and row lengths (`pad4`), keep padding
 * columns of B zero, and ignore C's padding.
 */

export type StridedGemm = (
  a: number, sar: number, sai: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number,
  res: number, ldr: number, bias: number,
) => void;

/** The part of the WebAssembly API used here (tsconfig's libs have no DOM, so no WebAssembly types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** x rounded up to a multiple of 4 (the kernel's tile). */
export function pad4(x: number): number {
  return (x + 3) & ~3;
}

/** A memory of at least `floats` float64 elements with the kernel on it (the JavaScript one where WebAssembly SIMD is missing). */
export function gemmMemory(floats: number): { readonly mem: Float64Array; readonly gemm: StridedGemm; readonly simd: boolean } {
  const pages = Math.ceil((floats * 8) / 65536) + 1;
  const bytes = kernelBytes();
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm && wasm.validate(bytes)) {
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { mem: memory } });
    return { mem: new Float64Array(memory.buffer), gemm: instance.exports.gemm as StridedGemm, simd: true };
  }
  const mem = new Float64Array(pages * 8192);
  return { mem, gemm: stridedGemmJs(mem), simd: false };
}

/** The same product in plain JavaScript on `mem` (a fallback, and the kernel's reference in tests). */
export function stridedGemmJs(mem: Float64Array): StridedGemm {
  return (a, sar, sai, b, ldb, c, ldc, m, n, k, res, ldr, bias) => {
    const m4 = pad4(m);
    const n4 = pad4(n);
    for (let r = 0; r < m4; r++) {
      for (let o = 0; o < n4; o++) {
        let s = mem[res + r * ldr + o] + mem[bias + o];
        for (let i = 0; i < k; i++) s += mem[a + r * sar + i * sai] * mem[b + i * ldb + o];
        mem[c + r * ldc + o] = s;
      }
    }
  };
}

// A hand-assembled WebAssembly module (there is no wasm toolchain among the dependencies):
// (import "env" "mem" memory), (export "gemm" (func (param i32 x 13)))
// the loop nest r (step 4) > o (step 4) > i (step 1) with 8 f64x2 accumulators: C[r..r+3, o..o+3].

let cached: Uint8Array | undefined;

function kernelBytes(): Uint8Array {
  if (cached) return cached;
  const I32 = 0x7f;
  const V128 = 0x7b;
  // Parameters 0-12, then locals: i32 r, o, i, pa (4 row pointers), pb, pc; v128 acc (8), b0, b1, x.
  const [A, SAR, SAI, B, LDB, C, LDC, M, N, K, RES, LDR, BIAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [R, O, I, PA, PB, PC] = [13, 14, 15, 16, 20, 21];
  const [ACC, B0, B1, X] = [22, 30, 31, 32];
  const i32Locals = 9;
  const v128Locals = 11;

  const get = (i: number) => [0x20, ...uleb(i)];
  const set = (i: number) => [0x21, ...uleb(i)];
  const tee = (i: number) => [0x22, ...uleb(i)];
  const i32 = (v: number) => [0x41, ...sleb(v)];
  const add = [0x6a], mul = [0x6c], shl = [0x74], ltU = [0x49];
  const loop = [0x03, 0x40], end = [0x0b], brIfTop = [0x0d, 0x00];
  const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
  const load = (offset: number) => simd(0x00, 3, ...uleb(offset)); // v128.load align=8
  const store = (offset: number) => simd(0x0b, 3, ...uleb(offset)); // v128.store
  const loadSplat = simd(0x0a, 3, 0); // v128.load64_splat
  const fadd = simd(240), fmul = simd(242); // f64x2.add, f64x2.mul

  const code: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => code.push(...p));
  for (const p of [A, SAR, SAI, B, LDB, C, LDC, RES, LDR, BIAS]) emit(get(p), i32(3), shl, set(p)); // elements -> bytes
  emit(i32(0), set(R), loop);
  emit(i32(0), set(O), loop);
  // acc = R[r + j, o..o+3] + bias[o..o+3] (b0, b1 and pc serve as scratch before the k loop)
  emit(get(BIAS), get(O), i32(3), shl, add, tee(PB), load(0), set(B0), get(PB), load(16), set(B1));
  emit(get(RES), get(R), get(LDR), mul, add, get(O), i32(3), shl, add, set(PC));
  for (let j = 0; j < 4; j++) {
    emit(get(PC), load(0), get(B0), fadd, set(ACC + 2 * j), get(PC), load(16), get(B1), fadd, set(ACC + 2 * j + 1));
    emit(get(PC), get(LDR), add, set(PC));
  }
  emit(get(A), get(R), get(SAR), mul, add, tee(PA), get(SAR), add, tee(PA + 1), get(SAR), add, tee(PA + 2), get(SAR), add, set(PA + 3));
  emit(get(B), get(O), i32(3), shl, add, set(PB));
  emit(i32(0), set(I), loop);
  emit(get(PB), load(0), set(B0), get(PB), load(16), set(B1));
  for (let j = 0; j < 4; j++) {
    emit(get(PA + j), loadSplat, set(X));
    emit(get(ACC + 2 * j), get(X), get(B0), fmul, fadd, set(ACC + 2 * j));
    emit(get(ACC + 2 * j + 1), get(X), get(B1), fmul, fadd, set(ACC + 2 * j + 1));
    emit(get(PA + j), get(SAI), add, set(PA + j));
  }
  emit(get(PB), get(LDB), add, set(PB));
  emit(get(I), i32(1), add, tee(I), get(K), ltU, brIfTop, end);
  emit(get(C), get(R), get(LDC), mul, add, get(O), i32(3), shl, add, set(PC));
  for (let j = 0; j < 4; j++) {
    emit(get(PC), get(ACC + 2 * j), store(0), get(PC), get(ACC + 2 * j + 1), store(16));
    emit(get(PC), get(LDC), add, set(PC));
  }
  emit(get(O), i32(4), add, tee(O), get(N), ltU, brIfTop, end);
  emit(get(R), i32(4), add, tee(R), get(M), ltU, brIfTop, end);
  emit(end);

  const body = [...vec([[...uleb(i32Locals), I32], [...uleb(v128Locals), V128]]), ...code];
  cached = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(13).fill([I32])), 0x00]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('gemm'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
  return cached;
}

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return vec([...s].map((ch) => [ch.charCodeAt(0)]));
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}
