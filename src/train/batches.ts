/**
 * Mini-batches by shuffled epochs from the run's seeded generator (full batch needs none).
 */
import { Rng } from '../util/random.js';

export class EpochSampler {
  private order: Int32Array;
  private pos: number;

  constructor(
    private readonly n: number,
    private readonly size: number,
    private readonly rng: Rng,
  ) {
    this.order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    this.pos = 0;
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
