/**
 * How many single culprits a region holds, learnt from the search's own
 * answers, so the group size follows k without being told it. Each unit is
 * taken as a culprit with the same unknown probability ρ; a group of s units
 * passes with probability (1 − ρ)^s, and the first part (a units) of a group
 * of m units known to fail fails with probability (1 − (1 − ρ)^a) / (1 − (1 − ρ)^m).
 * The estimate is the posterior median of the count over a prior ∝ count^−PRIOR_POWER,
 * which starts from "one culprit" (the common case and the cheap one to be
 * wrong about: a surplus culprit costs one group test later) and moves up as
 * halves keep failing. `passChance` gives the whole posterior's answer for
 * one group instead of the median's: while the count is still uncertain,
 * a group that is clean at the median count may well fail.
 */

const PRIOR_POWER = 1.5;
/** The estimate may at most double with each answer: a few early failures say little about how many there are. */
const GROWTH = 2;

interface Posterior {
  /** Answers it was computed from. */
  observations: number;
  grid: Array<{ count: number; width: number }>;
  weights: number[];
  total: number;
}

interface Observation {
  size: number;
  /** Size of the failing group this part was taken from; absent for a group from the pool. */
  within?: number;
  failed: boolean;
}

export class CulpritEstimate {
  readonly #units: number;
  readonly #observations: Observation[] = [];
  #last = 1;
  /** Observations when the estimate was last given. */
  #seen = 0;
  #cached: Posterior | undefined;

  constructor(units: number) {
    this.#units = units;
  }

  /** A group tested on its own. */
  group(size: number, failed: boolean): void {
    this.#observations.push({ size, failed });
  }

  /** The first part of a group already known (or taken) to fail. */
  part(size: number, within: number, failed: boolean): void {
    this.#observations.push({ size, within, failed });
  }

  /** The posterior median of the number of culprits in the region. */
  culprits(): number {
    const answers = this.#observations.length - this.#seen;
    this.#seen = this.#observations.length;
    this.#last = Math.min(this.#median(), Math.ceil(this.#last * GROWTH ** answers));
    return this.#last;
  }

  /**
   * The chance, over the posterior, that a group of `size` passes: a group
   * from the pool, or with `within` the first part of a failing group of that size.
   */
  passChance(size: number, within?: number): number {
    const { grid, weights, total } = this.#posterior();
    let chance = 0;
    for (const [i, { count }] of grid.entries()) {
      chance += (weights[i] ?? 0) * passes(count / (this.#units + 1), size, within);
    }
    return chance / total;
  }

  #median(): number {
    const { grid, weights, total } = this.#posterior();
    let sum = 0;
    for (const [i, weight] of weights.entries()) {
      sum += weight;
      if (sum >= total / 2) return grid[i]?.count ?? this.#units;
    }
    return this.#units;
  }

  /** Weights over the count grid, recomputed only when an answer came in (group sizes ask for it many times per answer). */
  #posterior(): Posterior {
    if (this.#cached?.observations === this.#observations.length) return this.#cached;
    const grid = countGrid(this.#units);
    const logs = grid.map(({ count, width }) => Math.log(width) + this.#logLikelihood(count / (this.#units + 1)) - PRIOR_POWER * Math.log(count));
    // Scaled by the largest weight: after a hundred answers the raw likelihoods underflow.
    const top = Math.max(...logs);
    const weights = logs.map((log) => Math.exp(log - top));
    this.#cached = { observations: this.#observations.length, grid, weights, total: weights.reduce((sum, w) => sum + w, 0) };
    return this.#cached;
  }

  #logLikelihood(density: number): number {
    let log = 0;
    for (const { size, within, failed } of this.#observations) {
      const chance = passes(density, size, within);
      log += Math.log(Math.max(failed ? 1 - chance : chance, 1e-300));
    }
    return log;
  }
}

/** The chance that a group of `size` passes at `density`; with `within`, given that the group of that size it was taken from fails. */
function passes(density: number, size: number, within?: number): number {
  const clean = (units: number) => Math.pow(1 - density, units);
  return within === undefined ? clean(size) : (clean(size) - clean(within)) / (1 - clean(within));
}

/** Every count up to 32, then steps of about 10 %: the posterior is smooth there, and n can be thousands. */
function countGrid(units: number): Array<{ count: number; width: number }> {
  const grid: Array<{ count: number; width: number }> = [];
  for (let count = 1; count <= units; ) {
    const next = count < 32 ? count + 1 : Math.min(units + 1, Math.ceil(count * 1.1));
    grid.push({ count, width: next - count });
    count = next;
  }
  return grid;
}
