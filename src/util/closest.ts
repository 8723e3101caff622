/**
 * The known name closest to a misspelt one, for "did you mean X?" in messages (an unknown command,
 * an unknown task kind).
 */

/** The candidate within two edits of `name` (or that `name`, two characters or more, begins), if any. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((c) => ({ c, d: c.startsWith(name) && name.length >= 2 ? 1 : editDistance(name, c) }));
  const best = scored.reduce<{ c: string; d: number } | undefined>((a, b) => (a === undefined || b.d < a.d ? b : a), undefined);
  return best !== undefined && best.d <= 2 ? best.c : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  // A name far longer than every candidate cannot be within two edits; not worth a big table.
  if (Math.abs(a.length - b.length) > 2) return Math.abs(a.length - b.length);
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
