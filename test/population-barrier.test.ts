// The population's lockstep (docs/design.md, "Populations"), alone: members that arrive in any
// order, leave, fail and go round again, with real promises and no tensors.
import { describe, expect, it } from 'vitest';
import { Barrier } from '../src/train/population-barrier.js';

/** Whether a promise has settled once every pending callback has run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

/** A barrier over members 0..K-1 whose release records each round and answers member k with `${request}@k`. */
function recording(K: number) {
  const rounds: Map<number, string>[] = [];
  const barrier = new Barrier<string, string>(
    Array.from({ length: K }, (_, k) => k),
    (requests) => {
      rounds.push(new Map(requests));
      return (k) => `${requests.get(k)}@${k}`;
    },
  );
  return { barrier, rounds };
}

describe('the population barrier', () => {
  it('releases a round once every member has arrived, in whichever order they arrive, each with its own result', async () => {
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const { barrier, rounds } = recording(3);
      const results = new Map<number, Promise<string>>();
      for (const k of order.slice(0, -1)) results.set(k, barrier.arrive(k, `r${k}`));
      // Two of three have arrived: nobody is released.
      for (const p of results.values()) expect(await settled(p)).toBe(false);
      expect(rounds).toHaveLength(0);
      const last = order.at(-1)!;
      results.set(last, barrier.arrive(last, `r${last}`));
      expect(await Promise.all([0, 1, 2].map((k) => results.get(k)!))).toEqual(['r0@0', 'r1@1', 'r2@2']);
      expect(rounds).toHaveLength(1);
      expect([...rounds[0]!].sort()).toEqual([
        [0, 'r0'],
        [1, 'r1'],
        [2, 'r2'],
      ]);
    }
  });

  it('goes round again: the second round waits for every member anew', async () => {
    const { barrier, rounds } = recording(2);
    await Promise.all([barrier.arrive(0, 'a'), barrier.arrive(1, 'b')]);
    const early = barrier.arrive(1, 'c');
    expect(await settled(early)).toBe(false);
    const late = barrier.arrive(0, 'd');
    expect(await Promise.all([late, early])).toEqual(['d@0', 'c@1']);
    expect(rounds.map((r) => r.size)).toEqual([2, 2]);
  });

  it('a member that leaves while the others wait releases them, and later rounds no longer wait for it', async () => {
    const { barrier, rounds } = recording(3);
    const waiting = [barrier.arrive(0, 'x'), barrier.arrive(2, 'z')];
    expect(await settled(waiting[0]!)).toBe(false);
    barrier.leave(1);
    expect(await settled(waiting[0]!)).toBe(true);
    expect(await Promise.all(waiting)).toEqual(['x@0', 'z@2']);
    expect([...rounds[0]!.keys()].sort()).toEqual([0, 2]);
    expect([...barrier.members].sort()).toEqual([0, 2]);
    // Next round: two members make it whole.
    expect(await Promise.all([barrier.arrive(2, 'p'), barrier.arrive(0, 'q')])).toEqual(['p@2', 'q@0']);
    // Leaving twice is leaving once; the one who left cannot come back.
    barrier.leave(1);
    await expect(barrier.arrive(1, 'back')).rejects.toThrow(/member 1 has left/);
  });

  it('a member that leaves before its first arrival is never waited for; when all leave, nothing is released', async () => {
    const { barrier, rounds } = recording(2);
    barrier.leave(0);
    expect(await barrier.arrive(1, 'solo')).toBe('solo@1');
    barrier.leave(1);
    expect(barrier.members.size).toBe(0);
    expect(rounds).toHaveLength(1);
  });

  it('a member that leaves while waiting is rejected, and the others are released without its request', async () => {
    const { barrier, rounds } = recording(3);
    const gone = barrier.arrive(0, 'g');
    const stays = barrier.arrive(1, 's');
    barrier.leave(0);
    await expect(gone).rejects.toThrow(/member 0 left while waiting/);
    expect(await settled(stays)).toBe(false);
    expect(await barrier.arrive(2, 't').then(async (r) => [r, await stays])).toEqual(['t@2', 's@1']);
    expect([...rounds[0]!.keys()].sort()).toEqual([1, 2]);
  });

  it('a release that throws rejects every member of its round with its error, and the next round goes on', async () => {
    let fail = true;
    const barrier = new Barrier<number, number>([0, 1], (requests) => {
      if (fail) throw new Error('the batch could not be made');
      return (k) => requests.get(k)! * 10;
    });
    const round = [barrier.arrive(0, 1), barrier.arrive(1, 2)];
    for (const p of round) await expect(p).rejects.toThrow('the batch could not be made');
    fail = false;
    expect(await Promise.all([barrier.arrive(1, 3), barrier.arrive(0, 4)])).toEqual([30, 40]);
  });

  it('a member cannot arrive twice in one round', async () => {
    const { barrier } = recording(2);
    const first = barrier.arrive(0, 'once');
    await expect(barrier.arrive(0, 'twice')).rejects.toThrow(/arrived twice/);
    expect(await Promise.all([first, barrier.arrive(1, 'b')])).toEqual(['once@0', 'b@1']);
  });
});
