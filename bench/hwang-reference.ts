/**
 * A reference for the bisection bench: Hwang's generalized binary splitting
 * told the number of culprits k in advance (the engine has to learn it),
 * on the same culprits and with the same obligations as the engine: a
 * culprit found by elimination (its group's other half passed) is built
 * alone once more, because its task's reproducer must fail alone, and the
 * mix without the culprits is built once at the end. Single culprits only.
 */
export function hwangBuilds(units: readonly string[], culprits: ReadonlySet<string>): number {
  const fails = (group: readonly string[]) => group.some((unit) => culprits.has(unit));
  let pool = [...units];
  let left = culprits.size;
  let builds = 1; // the final mix without the culprits
  while (pool.length > 0 && left > 0) {
    if (pool.length <= 2 * left - 2) {
      // Hwang's rule: this close to all-culprits, units are tested one by one.
      builds += pool.length;
      break;
    }
    const size = 2 ** Math.floor(Math.log2((pool.length - left + 1) / left));
    const group = pool.slice(0, size);
    pool = pool.slice(size);
    builds += 1;
    if (!fails(group)) continue;
    let lead = group;
    let inferred = false;
    while (lead.length > 1) {
      const half = lead.slice(0, Math.floor(lead.length / 2));
      builds += 1;
      if (fails(half)) {
        pool.push(...lead.slice(half.length));
        lead = half;
        inferred = false;
      } else {
        lead = lead.slice(half.length);
        inferred = true;
      }
    }
    if (inferred) builds += 1;
    left -= 1;
  }
  return builds;
}
