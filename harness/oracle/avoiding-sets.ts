/**
 * The largest mixes that hold no known culprit set: every unit but one
 * "hitting set" of the culprits (a single culprit is always left out; of a
 * set of units that fail together, leaving one out is enough). Only if each
 * of them passes is the list of culprits complete. With p interacting sets
 * there are up to 2^p of them (Berge's algorithm for minimal transversals).
 */
export function avoidingSets(units: readonly string[], culprits: readonly (readonly string[])[]): string[][] {
  let hittingSets: Array<Set<string>> = [new Set()];
  for (const culprit of culprits) {
    const next: Array<Set<string>> = [];
    for (const hitting of hittingSets) {
      if (culprit.some((unit) => hitting.has(unit))) next.push(hitting);
      else for (const unit of culprit) next.push(new Set([...hitting, unit]));
    }
    hittingSets = minimalSets(next);
  }
  return hittingSets.map((hitting) => units.filter((unit) => !hitting.has(unit)));
}

/** Drops every set that contains another one (and duplicates). */
export function minimalSets<T extends ReadonlySet<string>>(sets: readonly T[]): T[] {
  const bySize = [...sets].sort((a, b) => a.size - b.size);
  const kept: T[] = [];
  for (const set of bySize) {
    if (!kept.some((smaller) => [...smaller].every((unit) => set.has(unit)))) kept.push(set);
  }
  return kept;
}
