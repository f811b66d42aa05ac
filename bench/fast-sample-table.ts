import type { Mutation } from './fast-sample-project.ts';
import type { Summary } from './stats.ts';

/**
 * `mapped`: as `gantry-test --fast` samples (the changed file maps to its
 * test file, and test files importing it are related). `withheld`: the same
 * sampler told nothing about the change. `uniform`: a seeded uniform sample.
 */
export type Variant = 'mapped' | 'withheld' | 'uniform';

export interface SampleOutcome {
  variant: Variant;
  budget: number;
  seed: number;
  estimatedMs: number;
  caught: boolean;
}

export interface MutationResult {
  mutation: Mutation;
  /** Ids the full suite fails on this mutation. */
  failing: string[];
  /** Tests the shared sample run ran or failed differently from the plan (must be 0). */
  selectionMismatches: number;
  samples: SampleOutcome[];
}

export interface TimedFastRun {
  budget: number;
  wallMs: number;
  testMs: number;
  agreesWithSharedRun: boolean;
}

export interface FastSampleInput {
  tests: number;
  modules: number;
  tried: number;
  mutations: MutationResult[];
  seeds: number[];
  budgets: number[];
  /** Sum of the test durations in main's baseline: what the sampler's budget is a share of. */
  baselineTestMs: number;
  full: { wall: Summary; testMs: Summary };
  startup: Summary;
  timed: TimedFastRun[];
  lanes: number;
}

export interface CatchRow {
  variant: Variant;
  budget: number;
  /** Share of (mutation, seed) pairs caught: the mean over seeds. */
  caught: number;
  /** Share caught by each seed alone. */
  bySeed: number[];
  /** Mean estimated time of the sample over the baseline's. */
  timeShare: number;
}

export interface FastSampleSummary extends FastSampleInput {
  rows: CatchRow[];
  /** Tests each regression fails in the full suite. */
  failingPerMutation: { min: number; median: number; max: number };
  suiteTestMs: number;
}

const TARGET = 0.9;
const LABELS: Record<Variant, string> = {
  mapped: 'gantry-test --fast (changed file and importers known)',
  withheld: 'changed-file mapping withheld (`changedFiles: []`, no related)',
  uniform: 'uniform random sample, same time budget',
};

export function summarizeFastSample(input: FastSampleInput): FastSampleSummary {
  const suiteTestMs = input.full.testMs.medianMs;
  const outcomes = input.mutations.flatMap((result) => result.samples);
  const rows = (['mapped', 'withheld', 'uniform'] as const).flatMap((variant) =>
    input.budgets.map((budget) => {
      const of = outcomes.filter((outcome) => outcome.variant === variant && outcome.budget === budget);
      const share = (list: readonly SampleOutcome[]): number => list.filter((outcome) => outcome.caught).length / Math.max(list.length, 1);
      return {
        variant,
        budget,
        caught: share(of),
        bySeed: input.seeds.map((seed) => share(of.filter((outcome) => outcome.seed === seed))),
        timeShare: of.reduce((sum, outcome) => sum + outcome.estimatedMs, 0) / Math.max(of.length, 1) / input.baselineTestMs,
      };
    }),
  );
  const failing = input.mutations.map((result) => result.failing.length).sort((a, b) => a - b);
  return {
    ...input,
    rows,
    suiteTestMs,
    failingPerMutation: { min: failing[0] ?? 0, median: median(failing), max: failing.at(-1) ?? 0 },
  };
}

export function renderFastSample(summary: FastSampleSummary): string {
  const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const mismatches = summary.mutations.reduce((sum, result) => sum + result.selectionMismatches, 0);
  const catchRows = summary.rows.map((row) => {
    const verdict = row.variant === 'mapped' && row.budget === 0.1 ? (row.caught >= TARGET ? ' ✓' : ' ✗') : '';
    return `| ${LABELS[row.variant]} | ${percent(row.budget)} | **${percent(row.caught)}**${verdict} | ${row.bySeed.map(percent).join(' / ')} | ${percent(row.timeShare)} |`;
  });
  const timingRows = summary.budgets.map((budget) => {
    const runs = summary.timed.filter((run) => run.budget === budget);
    const wall = median(runs.map((run) => run.wallMs));
    const test = median(runs.map((run) => run.testMs));
    return `| fast, ${percent(budget)} (${runs.length} runs) | ${seconds(wall)} | ${percent(wall / summary.full.wall.medianMs)} | ${seconds(test)} | ${percent(test / summary.suiteTestMs)} |`;
  });
  const disagreements = summary.timed.filter((run) => !run.agreesWithSharedRun).length;
  return [
    '# Fast sample',
    '',
    `A generated vitest project: ${summary.modules} modules, ${summary.tests} tests; ${summary.mutations.length} one-line regressions the full suite catches (${summary.tried} tried, the rest survived the suite). Each regression fails ${summary.failingPerMutation.min}–${summary.failingPerMutation.max} tests (median ${summary.failingPerMutation.median}). Seeds ${summary.seeds.join(', ')}; ${summary.lanes} lanes.`,
    '',
    `## Regressions caught (target: ≥ ${percent(TARGET)} at 10 % with the changed file known)`,
    '',
    '| sample | budget | caught (mean of seeds) | per seed | est. time / baseline |',
    '|---|---|---|---|---|',
    ...catchRows,
    '',
    `Selection check: ${mismatches} tests ran or failed differently from the plan in the shared sample runs; ${disagreements} of ${summary.timed.length} single-sample runs disagreed with them.`,
    '',
    '## Time of a fast run against the full suite',
    '',
    '| run | wall (median) | of full wall | test time (median) | of full test time |',
    '|---|---|---|---|---|',
    `| full suite (${summary.full.wall.n} runs) | ${seconds(summary.full.wall.medianMs)} | 100.0 % | ${seconds(summary.suiteTestMs)} | 100.0 % |`,
    `| start-up only (one file, no test) | ${seconds(summary.startup.medianMs)} | ${percent(summary.startup.medianMs / summary.full.wall.medianMs)} | – | – |`,
    ...timingRows,
    '',
    'Test time is the sum of the tests’ own durations (vitest runs files in parallel, so it exceeds the wall time of the tests).',
    '',
  ].join('\n');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
