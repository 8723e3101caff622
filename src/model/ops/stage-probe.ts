/**
 * A probe on the rows of one stage of a forward pass (docs/design.md, "Probes"): the hook every
 * host forward pass calls once per stage of the model graph and chunk of rows, right after it
 * has computed that stage's values. It holds chosen neurons at fixed values (ablation) and copies
 * the values, after fixing, into one [rows of the whole pass, width] array per stage (activations).
 *
 *     stage values [rows, width] at mem[off..], rows `ld` apart:
 *       fix:     mem[off + r ld + j] = value of neuron j, for every row r
 *       record:  values[(first + r) width + j] = mem[off + r ld + j]
 *
 * A transformer's rows are its tokens (sequence-major, as HostTransformer keeps them), so a
 * neuron is held at every position and the recorded array is [n, T, width].
 *
 *     // a stage of width 2, fix neuron 1 at 0; two rows of ld 4 at mem[0..]
 *     const p = new StageProbe([2], new Map([[0, new Map([[1, 0]])]]), 2, false);
 *     p.at(0, mem, 0, 4, 2, 0);  // mem[1] = mem[5] = 0
 */

/** Per stage s: neuron index -> the value it is held at. */
export type StageFixes = ReadonlyMap<number, ReadonlyMap<number, number>>;

export class StageProbe {
  /** Per stage: the fixed neurons and their values, as parallel arrays (empty: nothing fixed). */
  private readonly fixAt: readonly { readonly neurons: Int32Array; readonly values: Float64Array }[];
  /** Per stage: [rows, width] of the whole pass, when recording. */
  readonly recorded: readonly Float64Array[] | undefined;

  /**
   * `widths[s]`: stage s's neurons as graph.json counts them (fold copies separately); `rows`:
   * the rows of the whole pass (a transformer's sequences times positions). Throws a RangeError
   * on a stage or neuron the graph lacks, or a value that is not finite.
   */
  constructor(
    readonly widths: readonly number[],
    fix: StageFixes | undefined,
    rows: number,
    record: boolean,
  ) {
    for (const [s, m] of fix ?? []) {
      if (!(Number.isInteger(s) && s >= 0 && s < widths.length)) throw new RangeError(`probe: stage ${s} of ${widths.length}`);
      for (const [j, v] of m) {
        if (!(Number.isInteger(j) && j >= 0 && j < widths[s])) throw new RangeError(`probe: neuron ${j} of stage ${s}, which has ${widths[s]}`);
        if (!Number.isFinite(v)) throw new RangeError(`probe: neuron ${j} of stage ${s} held at ${v}`);
      }
    }
    this.fixAt = widths.map((_, s) => {
      const m = fix?.get(s);
      return { neurons: Int32Array.from(m?.keys() ?? []), values: Float64Array.from(m?.values() ?? []) };
    });
    this.recorded = record ? widths.map((w) => new Float64Array(rows * w)) : undefined;
  }

  /**
   * Stage `stage`'s values [count, width] at mem[off..], rows `ld` apart, rows first..first+count-1
   * of the pass: fixes them in place, then records them.
   */
  at(stage: number, mem: Float64Array, off: number, ld: number, count: number, first: number): void {
    const { neurons, values } = this.fixAt[stage]!;
    if (neurons.length) {
      for (let r = 0; r < count; r++) {
        const row = off + r * ld;
        for (let i = 0; i < neurons.length; i++) mem[row + neurons[i]] = values[i];
      }
    }
    const out = this.recorded?.[stage];
    if (!out) return;
    const w = this.widths[stage]!;
    for (let r = 0; r < count; r++) out.set(mem.subarray(off + r * ld, off + r * ld + w), (first + r) * w);
  }
}
