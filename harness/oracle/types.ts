export type Verdict = 'pass' | 'fail';

/** A probe: build the mix where the units in `candidate` come from the candidate and every other unit from the oracle, and judge it. */
export interface Probe {
  (candidate: ReadonlySet<string>, signal?: AbortSignal): Promise<Verdict>;
}

/** Verdicts by probe key (see `probeKey`); the n-th repeat of a set is stored under `<key>#<n>`. */
export interface ProbeCache {
  get(key: string): Promise<Verdict | undefined>;
  set(key: string, verdict: Verdict): Promise<void>;
}

export interface ProbeEvent {
  set: readonly string[];
  verdict: Verdict;
  cached: boolean;
  round: number;
}

export interface BisectOptions {
  units: readonly string[];
  probe: Probe;
  /** Probes run at once (one round = one batch of parallel probes). */
  parallel: number;
  /** Cache by the exact set probed (key = stable hash of the sorted set); a Redis one lets a killed run resume. */
  cache?: ProbeCache;
  /**
   * How far one verdict must lead the other, in answers for the same mix,
   * before a culprit (it fails) or completeness (every mix without a culprit
   * passes) is accepted. The search trusts single answers until two answers
   * for one mix disagree or the answers contradict each other; from then on
   * every question needs this lead and the result one more, and each result
   * refuted by later answers raises both by one. 1 trusts single answers: a
   * deterministic build and judge, the fewest builds. 2 costs k + 1 more
   * builds for k culprits. For a build or judge known to flake, use 3.
   * @defaultValue 2
   */
  confirm?: number;
  signal?: AbortSignal;
  onProbe?(event: ProbeEvent): void;
}

export interface BisectResult {
  /** Each culprit: one unit, or a set of units that fail only together (sorted), sorted by first unit. */
  culprits: string[][];
  /** Probes answered by running a build (not the cache). */
  builds: number;
  /** Probes including cached ones. */
  probes: number;
  /** Rounds of parallel probes. */
  rounds: number;
  durationMs: number;
  /** Whether two answers for one set disagreed during the run (the build or judge is flaky). */
  flaky?: boolean;
}
