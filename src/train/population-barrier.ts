/**
 * The lockstep of a population (docs/design.md, "Populations"), with no tensors in it: K members
 * each run their own loop, and at a barrier each `arrive`s with a request and waits until every
 * member still present has arrived. Then `release` runs once over all the requests, and each
 * member's promise settles with its own result. A member that `leave`s (its run ended or failed)
 * no longer holds the others back. The population uses one barrier to hand out the members'
 * engines (every member's setup makes the batch) and one for its steps (every member's step
 * request makes one batched update).
 */

/** What `release` makes of one round's requests: member k's result (called for each member that arrived). */
export type Release<Request, Result> = (requests: ReadonlyMap<number, Request>) => (k: number) => Result;

interface Waiter<Request, Result> {
  readonly request: Request;
  readonly resolve: (r: Result) => void;
  readonly reject: (e: unknown) => void;
}

export class Barrier<Request, Result> {
  private readonly present: Set<number>;
  private readonly waiting = new Map<number, Waiter<Request, Result>>();

  /** Members are numbered; each of `members` must arrive or leave before a round is released. */
  constructor(
    members: Iterable<number>,
    private readonly release: Release<Request, Result>,
  ) {
    this.present = new Set(members);
  }

  /** The members that have not left. */
  get members(): ReadonlySet<number> {
    return this.present;
  }

  /**
   * Member k's request for this round; resolves with its result once every present member has
   * arrived, or rejects with the error `release` threw (every member of the round alike).
   */
  arrive(k: number, request: Request): Promise<Result> {
    if (!this.present.has(k)) return Promise.reject(new Error(`member ${k} has left the population, or was never in it`));
    if (this.waiting.has(k)) return Promise.reject(new Error(`member ${k} arrived twice in one round`));
    return new Promise<Result>((resolve, reject) => {
      this.waiting.set(k, { request, resolve, reject });
      this.maybeRelease();
    });
  }

  /**
   * Member k will not arrive again: the others no longer wait for it. Had it arrived in this
   * round, its request is withdrawn and its promise rejects (a member leaves from its own loop,
   * which cannot be waiting then). Leaving twice is leaving once.
   */
  leave(k: number): void {
    if (!this.present.delete(k)) return;
    const w = this.waiting.get(k);
    if (w) {
      this.waiting.delete(k);
      w.reject(new Error(`member ${k} left while waiting`));
    }
    this.maybeRelease();
  }

  private maybeRelease(): void {
    if (this.waiting.size === 0 || this.waiting.size < this.present.size) return;
    const round = new Map(this.waiting);
    this.waiting.clear();
    let results: Result[];
    try {
      const resultOf = this.release(new Map([...round].map(([k, w]) => [k, w.request])));
      results = [...round.keys()].map(resultOf);
    } catch (e) {
      for (const w of round.values()) w.reject(e);
      return;
    }
    [...round.values()].forEach((w, i) => w.resolve(results[i]!));
  }
}
