/**
 * Mini-batches from the run's seeded generator (full batch needs none): by shuffled epochs, or
 * each batch drawn with replacement as the in-context notebook does
 * (`np.random.choice(n, 64, replace=True)`; docs/design.md, "Optimizer and training loop").
 */
import { Rng, type RngState } from '../util/random.js';

/**
 * Everything needed to continue the same sequence of batches after a resume. An epoch sampler's
 * state has no `kind` (the form checkpoints have always stored); a replacement sampler's says so.
 */
export type SamplerState = EpochSamplerState | ReplacementSamplerState;

export interface EpochSamplerState {
  readonly rng: RngState;
  readonly order: number[];
  readonly pos: number;
}

export interface ReplacementSamplerState {
  readonly kind: 'replacement';
  readonly rng: RngState;
}

/** How mini-batches are drawn: shuffled epochs, or independently with replacement. */
export type SamplingKind = 'epochs' | 'replacement';

/** A source of mini-batches: row indices of the training split. */
export interface Sampler {
  state(): SamplerState;
  /** Indices of the next batch. */
  next(): Int32Array;
}

export class EpochSampler implements Sampler {
  private readonly rng: Rng;
  private order: Int32Array;
  private pos: number;

  constructor(
    private readonly n: number,
    private readonly size: number,
    seed: number,
    state?: SamplerState,
  ) {
    if (state && !('order' in state)) throw new Error('EpochSampler: the saved state is a replacement sampler\'s');
    this.rng = new Rng(seed, 'batches', state?.rng);
    this.order = state ? Int32Array.from(state.order) : this.rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    this.pos = state ? state.pos : 0;
  }

  state(): EpochSamplerState {
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

/**
 * Each batch `size` independent uniform draws from [0, n): rows repeat within and across batches,
 * and a batch may be larger than n. The generator's state is the whole state.
 */
export class ReplacementSampler implements Sampler {
  private readonly rng: Rng;

  constructor(
    private readonly n: number,
    private readonly size: number,
    seed: number,
    state?: SamplerState,
  ) {
    if (state && !('kind' in state)) throw new Error('ReplacementSampler: the saved state is an epoch sampler\'s');
    this.rng = new Rng(seed, 'batches', state?.rng);
  }

  state(): ReplacementSamplerState {
    return { kind: 'replacement', rng: this.rng.state() };
  }

  next(): Int32Array {
    const idx = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) idx[i] = this.rng.int(this.n);
    return idx;
  }
}

/**
 * The sampler of `kind` for batches of `size` rows out of `n`, from `seed`; with `state` (of the
 * same kind, from `state()`), it continues where the saved one stopped.
 */
export function makeSampler(kind: SamplingKind, n: number, size: number, seed: number, state?: SamplerState): Sampler {
  return kind === 'epochs' ? new EpochSampler(n, size, seed, state) : new ReplacementSampler(n, size, seed, state);
}
