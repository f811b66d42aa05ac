import { avoidingSets, minimalSets } from './avoiding-sets.ts';
import { untangle } from './minimal-failing-set.ts';
import { OracleError } from './oracle-error.ts';
import { Prober } from './prober.ts';
import { searchRegion, type Ask } from './region-search.ts';
import type { BisectOptions, BisectResult } from './types.ts';

const DEFAULT_CONFIRM = 2;
/** Each pass finds new culprits or drops refuted ones; a judge that keeps changing its mind is stopped here. */
const MAX_PASSES = 50;
/**
 * Each interacting set multiplies the mixes that must pass by its size. More
 * than this many such mixes is taken as a sign of wrong answers (a flaky
 * build or judge), not as a program with that many interactions.
 */
const MAX_AVOIDING_SETS = 64;
/** While single answers are trusted, a culprit set this large, or this many mixes to check, is first taken for a wrong answer. */
const PLAUSIBLE_WHILE_TRUSTING = { setSize: 3, avoidingSets: 16 };

/**
 * Finds every culprit: each unit that makes the mix fail, and each set of
 * units that fail only together (issue 7). Assumes, as the caller checked,
 * that the all-oracle mix passes and the all-candidate mix fails; a
 * stably passing all-candidate mix gives no culprits, a failing all-oracle
 * mix an ORACLE_BASELINE_FAILS error.
 *
 * The loop: every largest mix that holds no known culprit must pass. One
 * that fails is searched (searchRegion: parallel binary splitting for single
 * culprits; untangle: the minimal failing set where no single unit fails
 * alone), and the loop goes again. When they all pass, the result is
 * verified: each culprit fails and each of those mixes passes, `confirm`
 * answers ahead, so a flaky build or judge cannot make one lucky answer a
 * culprit or hide one. Once answers disagree, the search starts again with
 * every question needing that many answers (the answers so far still count),
 * and one more after each refuted result. Up to 6 interacting pairs (64
 * mixes to check) are supported.
 */
export async function findCulprits(options: BisectOptions): Promise<BisectResult> {
  const { units, parallel, confirm = DEFAULT_CONFIRM } = options;
  validate(units, parallel, confirm);
  options.signal?.throwIfAborted();
  const started = performance.now();
  const prober = new Prober(options);
  const culprits = await prober.run(() => bisect(units, prober, confirm, parallel));
  return {
    culprits: culprits.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')),
    builds: prober.builds,
    probes: prober.probes,
    rounds: prober.rounds,
    durationMs: Math.round(performance.now() - started),
    flaky: prober.flaky,
  };
}

async function bisect(units: readonly string[], prober: Prober, confirm: number, parallel: number): Promise<string[][]> {
  // Single answers are trusted until the answers show that the build or judge is flaky; after that every
  // answer needs `confirm`, and one more each time a result built on such answers was refuted.
  let refutations = 0;
  const strictLead = () => confirm + refutations;
  const ask: Ask = (set) => prober.ask(set, prober.flaky ? strictLead() : 1);
  // A group that fails while both its halves pass is asked again: a flaky answer looks the same as an interacting set.
  const recheck: Ask = (set) => prober.ask(set, prober.flaky ? strictLead() : Math.min(confirm, 2));
  // With a flaky judge a wrong answer can make any large set look like a culprit set: such a set must also pass without any one of its units.
  const isMinimal = async (set: readonly string[]) =>
    !prober.flaky || set.length < 2 || (await Promise.all(set.map((unit) => prober.ask(set.filter((u) => u !== unit), strictLead() + 1)))).every((v) => v === 'pass');
  const explore = async (region: readonly string[]) => {
    const { singles, tangles } = await searchRegion(region, ask, parallel);
    const sets = await Promise.all(tangles.map(async (tangle) => {
      const set = await untangle(tangle, ask, recheck);
      return set && set.length > 0 && (await isMinimal(set)) ? set : undefined;
    }));
    return [...singles.map((unit) => [unit]), ...sets.filter((set) => set !== undefined)];
  };

  let passes = 0;
  const nextPass = (culprits: readonly string[][]) => {
    passes += 1;
    if (passes <= MAX_PASSES) return;
    throw new OracleError('ORACLE_UNSTABLE', `oracle bisection gave up after ${MAX_PASSES} passes and ${prober.builds} builds: the answers for the same mixes keep changing; make the build and judge deterministic, or raise confirm`, {
      data: { builds: prober.builds, culprits },
    });
  };

  for (;;) {
    let culprits: string[][] = [];
    for (;;) {
      nextPass(culprits);
      const trusting = !prober.flaky;
      // More or larger interacting sets than a real program has: a wrong answer is being built upon.
      if (implausible(culprits, trusting)) {
        if (prober.flaky) refutations += 1;
        prober.distrust();
        culprits = [];
        continue;
      }
      const avoiding = avoidingSets(units, culprits);
      // The first time round that is the all-candidate mix, which the caller saw fail.
      const verdicts = await Promise.all(avoiding.map((set) => (passes === 1 ? 'fail' : ask(set))));
      const failing = avoiding.filter((set, i) => set.length > 0 && verdicts[i] === 'fail');
      if (failing.length === 0) break;
      // One region a pass: the regions overlap (each is every unit but a few), so what one holds the others mostly hold too.
      const found = await explore(failing[0] ?? []);
      // Answers disagreed during a pass that trusted single answers: what it found may rest on a wrong one; start again.
      if (trusting && prober.flaky) {
        culprits = [];
        continue;
      }
      const merged = mergeCulprits(culprits, found);
      // A failing mix that no new culprit explains: some answer was wrong; ask for more answers from now on.
      if (merged.length === culprits.length && merged.every((set, i) => sameSet(set, culprits[i] ?? []))) {
        if (prober.flaky) refutations += 1;
        prober.distrust();
      }
      culprits = merged;
    }
    const check = await verify(units, culprits, prober, () => (prober.flaky ? strictLead() + 1 : confirm));
    if (check.complete && check.refuted.length === 0) return culprits;
    // Wrong answers led the search: search again with more answers per question (the answers so far still count).
    if (prober.flaky) refutations += 1;
    prober.distrust();
  }
}

interface Verification {
  refuted: string[][];
  /** Every largest mix without a culprit passes. */
  complete: boolean;
}

/** Each culprit must fail and each largest mix without one must pass, `lead()` answers ahead. */
async function verify(units: readonly string[], culprits: string[][], prober: Prober, lead: () => number): Promise<Verification> {
  for (;;) {
    const needed = lead();
    const avoiding = avoidingSets(units, culprits);
    const [culpritVerdicts, avoidingVerdicts] = await Promise.all([
      Promise.all(culprits.map((set) => prober.ask(set, needed))),
      Promise.all(avoiding.map((set) => prober.ask(set, needed))),
    ]);
    // Answers disagreed during the check itself: check again with the lead a flaky judge needs.
    if (needed !== lead()) continue;
    if (avoiding.some((set, i) => set.length === 0 && avoidingVerdicts[i] === 'fail')) {
      throw new OracleError('ORACLE_BASELINE_FAILS', `the all-oracle mix (no candidate unit) fails after ${prober.builds} builds: the oracle build or the judge is broken; run the all-oracle build by hand and fix it before bisecting`, {
        data: { builds: prober.builds },
      });
    }
    return {
      refuted: culprits.filter((_, i) => culpritVerdicts[i] === 'pass'),
      complete: avoidingVerdicts.every((verdict) => verdict === 'pass'),
    };
  }
}

/** Old and new culprits, each sorted, without duplicates or sets that contain another culprit. */
function mergeCulprits(old: readonly string[][], found: readonly string[][]): string[][] {
  const sets = minimalSets([...old, ...found].map((set) => new Set(set)));
  return sets.map((set) => [...set].sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || a.length - b.length);
}

function implausible(culprits: readonly string[][], trusting: boolean): boolean {
  const avoiding = culprits.reduce((product, set) => product * set.length, 1);
  if (!trusting) return avoiding > MAX_AVOIDING_SETS;
  return avoiding > PLAUSIBLE_WHILE_TRUSTING.avoidingSets || culprits.some((set) => set.length > PLAUSIBLE_WHILE_TRUSTING.setSize);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((unit, i) => unit === b[i]);
}

function validate(units: readonly string[], parallel: number, confirm: number): void {
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new OracleError('ORACLE_INVALID', `oracle parallel must be a whole number ≥ 1, got ${parallel}: it is how many probes run at once, e.g. 8`);
  }
  if (!Number.isInteger(confirm) || confirm < 1) {
    throw new OracleError('ORACLE_INVALID', `oracle confirm must be a whole number ≥ 1, got ${confirm}: 1 trusts single answers, 2 or more repeats them`);
  }
  const seen = new Set<string>();
  for (const unit of units) {
    if (seen.has(unit)) throw new OracleError('ORACLE_INVALID', `oracle unit ${JSON.stringify(unit)} is listed twice: each unit must appear once`);
    seen.add(unit);
  }
}
