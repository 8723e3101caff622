/**
 * Seeded random numbers on the host. Every random draw of a run (data, initialisation, batches)
 * comes from one of these, so a config's seed fixes the run whatever the tfjs backend.
 * The generator is seedrandom's ARC4, whose state can be saved and restored for resume.
 */
import seedrandom from 'seedrandom';

export type RngState = seedrandom.State.Arc4;

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  /** `seed` is any string or integer; `label` separates streams that share a seed. */
  constructor(seed: number | string, label = '', state?: RngState) {
    this.prng = seedrandom(`${seed}/${label}`, { state: state ?? true }) as seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  }

  /** Uniform in [0, 1), 53 bits. */
  uniform(): number {
    return this.prng.double();
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal by Box-Muller (one draw per call; simple and exactly reproducible). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  state(): RngState {
    return this.prng.state();
  }
}
