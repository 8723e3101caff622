/**
 * Mini-batches by shuffled epochs from the run's seeded generator (full batch needs none).
 */
import { Rng, type RngState } from '../util/random.js';

/** Everything needed to continue the same sequence of batches after a resume. */
export interface SamplerState {
  readonly rng: RngState;
  readonly order: number[];
  readonly pos: number;
}

export class EpochSampler {
  private readonly rng: Rng;
  private order: Int32Array;
  private pos: number;

  constructor(
    private readonly n: number,
    private readonly size: number,
    seed: number,
    state?: SamplerState,
  ) {
    this.rng = new Rng(seed, 'batches', state?.rng);
    this.order = state ? Int32Array.from(state.order) : this.rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    this.pos = state ? state.pos : 0;
  }

  state(): SamplerState {
    return { rng: this.rng.state(), order: Array.from(this.order), pos: this.pos };
  }

  /** Indices of the next batch; a new shuffled epoch starts when fewer than `size` remain. */
  next(): Int32Array {
    if (this.pos + this.size > this.n) {
      this.rng.shuffle(this.order);
      this.pos = 0;
    }
    const idx = this.order.slice(this.pos, this.pos + Math.min(this.size, this.n));
    this.pos += this.size;
    return idx;
  }
}
