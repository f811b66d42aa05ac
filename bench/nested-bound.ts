/**
 * How few builds any search of the engine's kind can spend at n = 64, one
 * probe at a time: the reference behind the bench's reading that the build
 * targets at n = 64, k = 3 and 10 are out of reach without being told k.
 * `node bench/nested-bound.ts [n]` (a second or two at 64; not part of
 * `npm run bench`).
 *
 * The searches considered test a group of untested units ("the pool") or
 * the first part of one group known to fail ("the lead"), as the engine and
 * Hwang's splitting do, with the engine's obligations: a culprit found by
 * elimination is built alone once (its reproducer), the mix without the
 * culprits is built once at the end, and a failing final check with units
 * still untested costs one more build (the probe of those units that tells
 * an interacting set from a culprit among them). With single culprits placed
 * at random, what such a search knows is only (culprits found, lead size,
 * pool size), and the chance of each answer follows from a prior on k
 * exactly, so the best search for a prior is found by dynamic programming
 * over those states. Its expected builds are then taken when k is in truth
 * 1, 3 or 10 (the same states, the prior replaced by that k).
 */

/** Weight of k culprits, for k ≥ 1 (the region is known to fail). */
type Prior = (k: number) => number;

interface Search {
  /** Expected builds from (found, lead, pool) to the end. */
  builds(found: number, lead: number, pool: number): number;
  /** The size to probe in that state: a first part of the lead, or a pool group. */
  action: Map<number, number>;
}

const UNTESTED_PROBE = 1;

function nestedBound(n: number) {
  const logFactorial = [0];
  for (let i = 1; i <= n; i += 1) logFactorial.push((logFactorial[i - 1] ?? 0) + Math.log(i));
  const binomial = (a: number, b: number) => (b < 0 || b > a ? 0 : Math.exp((logFactorial[a] ?? 0) - (logFactorial[b] ?? 0) - (logFactorial[a - b] ?? 0)));
  const key = (found: number, lead: number, pool: number) => (found * (n + 1) + lead) * (n + 1) + pool;

  /** Prior weight of every culprit set consistent with the state: found ones exact, the lead holding one or more, the rest clean. */
  const weights = (prior: Prior) => {
    const memo = new Map<number, number>();
    return (found: number, lead: number, pool: number): number => {
      const at = key(found, lead, pool);
      let weight = memo.get(at);
      if (weight !== undefined) return weight;
      weight = 0;
      for (let k = Math.max(found, 1); k <= n; k += 1) {
        const p = prior(k);
        if (p === 0) continue;
        let sets = 0;
        for (let inLead = lead > 0 ? 1 : 0; inLead <= lead; inLead += 1) sets += binomial(lead, inLead) * binomial(pool, k - found - inLead);
        weight += (p / binomial(n, k)) * sets;
      }
      memo.set(at, weight);
      return weight;
    };
  };

  /** The best search for `prior`, or with `fixed` the expected builds of that search's actions under `prior`. */
  const solve = (prior: Prior, fixed?: Map<number, number>): Search => {
    const weight = weights(prior);
    const memo = new Map<number, number>();
    const action = new Map<number, number>();
    const builds = (found: number, lead: number, pool: number): number => {
      const at = key(found, lead, pool);
      const known = memo.get(at);
      if (known !== undefined) return known;
      let best = Infinity;
      let bestSize = 0;
      if (lead === 0 && pool === 0) best = 1; // the final mix, after the pool was cleared group by group
      else if (lead === 1) best = 1 + builds(found + 1, 0, pool); // found by elimination: built alone
      else {
        const total = weight(found, lead, pool);
        const sizes = fixed ? [fixed.get(at) ?? 1] : Array.from({ length: lead >= 2 ? lead - 1 : pool }, (_, i) => i + 1);
        for (const size of sizes) {
          let expected = 1;
          if (lead >= 2) {
            const fails = weight(found, size, pool + lead - size) / total;
            if (fails > 1e-12) expected += fails * (size === 1 ? builds(found + 1, 0, pool + lead - 1) : builds(found, size, pool + lead - size));
            if (fails < 1 - 1e-12) expected += (1 - fails) * (lead - size === 1 ? 1 + builds(found + 1, 0, pool) : builds(found, lead - size, pool));
          } else {
            // A group of the whole pool is the final check: if it passes, the search is over.
            const passes = weight(found, 0, pool - size) / total;
            if (passes > 1e-12 && size < pool) expected += passes * builds(found, 0, pool - size);
            if (passes < 1 - 1e-12) expected += (1 - passes) * ((size === pool && found + size < n ? UNTESTED_PROBE : 0) + (size === 1 ? builds(found + 1, 0, pool - 1) : builds(found, size, pool - size)));
          }
          if (expected < best) [best, bestSize] = [expected, size];
        }
      }
      memo.set(at, best);
      action.set(at, bestSize);
      return best;
    };
    return { builds, action };
  };

  const exactly = (k: number): Prior => (count) => (count === k ? 1 : 0);
  return {
    /** Expected builds, when k is in truth `k`, of the best search for `prior`. */
    atK(prior: Prior, k: number): number {
      const best = solve(prior);
      best.builds(0, n, 0);
      return solve(exactly(k), best.action).builds(0, n, 0);
    },
    /** The best search told k. */
    toldK(k: number): number {
      return solve(exactly(k)).builds(0, n, 0);
    },
  };
}

function log2Binomial(n: number, k: number): number {
  let sum = 0;
  for (let i = 0; i < k; i += 1) sum += Math.log2((n - i) / (i + 1));
  return sum;
}

const n = Number(process.argv[2] ?? 64);
const COUNTS = [1, 3, 10].filter((k) => k < n);
const PRIORS: Array<[string, Prior]> = [
  ['∝ k^−1.5 (about the engine\'s)', (k) => k ** -1.5],
  ['∝ 1/k', (k) => 1 / k],
  ['∝ 0.8^k', (k) => 0.8 ** k],
  ['∝ k^−0.5 up to 12', (k) => (k <= 12 ? k ** -0.5 : 0)],
  ['uniform up to 16', (k) => (k <= 16 ? 1 : 0)],
  ['1, 3 or 10 only (the bench\'s own k)', (k) => (COUNTS.includes(k) ? 1 : 0)],
];
const bound = nestedBound(n);
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
console.log(`Best search of the engine's kind at n = ${n}, expected builds one probe at a time (bench/nested-bound.ts)\n`);
console.log(row(['prior on k', ...COUNTS.map((k) => `k = ${k}`)]));
console.log(row(['---', ...COUNTS.map(() => '---')]));
console.log(row(['target 1.15·log2 C(n,k) + 2', ...COUNTS.map((k) => (1.15 * log2Binomial(n, k) + 2).toFixed(2))]));
console.log(row(['told k', ...COUNTS.map((k) => bound.toldK(k).toFixed(2))]));
for (const [name, prior] of PRIORS) console.log(row([name, ...COUNTS.map((k) => bound.atK(prior, k).toFixed(2))]));
