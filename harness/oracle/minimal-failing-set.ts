import type { Ask, Tangle } from './region-search.ts';

/**
 * Units that fail only together come in pairs or small sets. A reduction
 * that keeps more than this many units is following a wrong answer (every
 * prefix of a set that in truth passes also passes, so each step keeps one
 * more unit): it stops there rather than spend a build on every unit.
 */
const MAX_SET_SIZE = 8;

/**
 * The culprit set behind a tangle: units that fail only together (the ddmin
 * case). First the chain of halvings is searched for the smallest group that
 * still fails (its two halves pass: the set straddles them); that group is
 * asked again (`recheck`), since a flaky answer looks just like it; then the
 * group is reduced to a minimal failing subset. Undefined when the group
 * turns out to pass.
 */
export async function untangle(tangle: Tangle, ask: Ask, recheck: Ask): Promise<string[] | undefined> {
  // Invariant: tangle[good] fails, tangle[bad] passes (the last one, a single unit, passed when asked).
  // The chain is walked from the top, not bisected: each halving splits the units that fail together
  // with about even chance, so the smallest failing group is most often the first or second one, and
  // walking finds it in one or two probes where bisecting a chain of ten takes three or four.
  let good = 0;
  let bad = tangle.length - 1;
  while (bad - good > 1) {
    if ((await ask(tangle[good + 1] ?? [])) === 'fail') good += 1;
    else bad = good + 1;
  }
  const group = tangle[good] ?? [];
  if ((await recheck(group)) === 'pass') return undefined;
  // The next group in the chain passed and lies inside this one: put it first, as a prefix known to
  // pass, so the search for the set's last unit looks only among the other units.
  const inner = new Set(bad > good ? (tangle[bad] ?? []) : []);
  const passing = group.filter((unit) => inner.has(unit));
  // Both halves of the group pass, so no unit in it fails alone.
  return minimalFailingSubset([...passing, ...group.filter((unit) => !inner.has(unit))], ask, passing.length);
}

/**
 * A minimal failing subset of `set`, which fails and in which no unit fails
 * alone: the shortest failing prefix ends in a unit the failure needs; keep
 * it, and look again among the units before it, until the kept units fail
 * by themselves. `passingPrefix` units at the start of `set` are known to
 * pass together, so the first search starts past them. About
 * |culprit|·log2|set| probes; undefined past MAX_SET_SIZE units.
 */
async function minimalFailingSubset(set: readonly string[], ask: Ask, passingPrefix = 0): Promise<string[] | undefined> {
  const kept: string[] = [];
  let rest = [...set];
  // Only the first search starts past the prefix: after it, the kept unit is not in the prefix.
  let known = Math.min(passingPrefix, set.length - 1);
  for (;;) {
    if (kept.length > MAX_SET_SIZE) return undefined;
    if (rest.length === 0 || (kept.length > 1 && (await ask(kept)) === 'fail')) return kept.sort();
    // Invariant: kept + rest[0, failing) fails, kept + rest[0, passing) passes.
    let passing = Math.max(known, 0);
    known = 0;
    let failing = rest.length;
    while (failing - passing > 1) {
      const middle = Math.floor((passing + failing) / 2);
      if ((await ask([...kept, ...rest.slice(0, middle)])) === 'fail') failing = middle;
      else passing = middle;
    }
    kept.push(...rest.slice(failing - 1, failing));
    rest = rest.slice(0, failing - 1);
  }
}
