import type { Ask, Tangle } from './region-search.ts';

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
  let good = 0;
  let bad = tangle.length - 1;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if ((await ask(tangle[middle] ?? [])) === 'fail') good = middle;
    else bad = middle;
  }
  const group = tangle[good] ?? [];
  if ((await recheck(group)) === 'pass') return undefined;
  // Both halves of the group pass, so no unit in it fails alone.
  return minimalFailingSubset(group, ask, { singlesPass: true });
}

/**
 * A minimal failing subset of `set`, which fails: the shortest failing prefix
 * ends in a unit the failure needs; keep it, and look again among the units
 * before it, until the kept units fail by themselves. About |culprit|·log2|set|
 * probes; `singlesPass` says no unit of the set fails alone (so one kept unit is not asked).
 */
export async function minimalFailingSubset(set: readonly string[], ask: Ask, known: { singlesPass?: boolean } = {}): Promise<string[]> {
  const kept: string[] = [];
  let rest = [...set];
  for (;;) {
    const mayFailAlone = kept.length > (known.singlesPass ? 1 : 0);
    if (rest.length === 0 || (mayFailAlone && (await ask(kept)) === 'fail')) return kept.sort();
    // Invariant: kept + rest[0, failing) fails, kept + rest[0, passing) passes.
    let passing = 0;
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
