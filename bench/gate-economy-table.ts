import type { GateScenario, GateSimRun } from './gate-sim.ts';

/** Mean, standard deviation and range of one measure over the seeds. */
export interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface ScenarioResult {
  scenario: GateScenario;
  /** Binary entropy of the bad rate: the fewest full-suite runs per branch any gate can spend. */
  floor: number;
  /** 1.10 · floor + 0.05 */
  target: number;
  runsPerBranch: Spread;
  /** Mean runs per branch over the floor. */
  ratio: number;
  batchRunsPerBranch: Spread;
  bisectionRunsPerBranch: Spread;
  rerunsPerBranch: Spread;
  meanBatchSize: Spread;
  wronglyRejected: Spread;
  badAccepted: number;
  mergeTimeMedian: Spread;
  mergeTimeP90: Spread;
  runs: GateSimRun[];
}

export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

export function spread(values: readonly number[]): Spread {
  const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
  const variance = values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / Math.max(values.length - 1, 1);
  return { mean, sd: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

/** Sums up a scenario's seeded runs against the entropy floor. */
export function summarizeScenario(scenario: GateScenario, runs: GateSimRun[]): ScenarioResult {
  const floor = binaryEntropy(scenario.badRate);
  const of = (pick: (run: GateSimRun) => number) => spread(runs.map(pick));
  const runsPerBranch = of((r) => r.runsPerBranch);
  return {
    scenario, floor, target: 1.1 * floor + 0.05, runsPerBranch, ratio: runsPerBranch.mean / floor,
    batchRunsPerBranch: of((r) => r.batchRunsPerBranch),
    bisectionRunsPerBranch: of((r) => r.bisectionRunsPerBranch),
    rerunsPerBranch: of((r) => r.rerunsPerBranch),
    meanBatchSize: of((r) => r.meanBatchSize),
    wronglyRejected: of((r) => r.wronglyRejected),
    badAccepted: runs.reduce((sum, r) => sum + r.badAccepted, 0),
    mergeTimeMedian: of((r) => r.mergeTime.median),
    mergeTimeP90: of((r) => r.mergeTime.p90),
    runs,
  };
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
const pm = (s: Spread, digits: number) => `${fixed(s.mean, digits)} ± ${fixed(s.sd, digits)}`;
const percent = (x: number) => `${fixed(x * 100, 0)} %`;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function label(s: GateScenario): string {
  return [
    percent(s.badRate),
    s.flakeRate > 0 ? `, ${percent(s.flakeRate)} flaky runs` : '',
    s.reruns > 0 ? `, ${s.reruns} re-runs` : '',
    s.fixedBatchSize ? `, batch ${s.fixedBatchSize}` : '',
  ].join('');
}

/**
 * Which target a group of scenarios is judged by: runs per branch where the
 * gate is saturated (the floor binds only then), the merge time where it
 * keeps up with arrivals.
 */
export type Judged = 'runs' | 'merge time' | 'none';

/** Median time to merge, in suite runs, that a gate keeping up with arrivals must stay under. */
export const MERGE_TIME_TARGET = 1.5;

function met(r: ScenarioResult, judged: Judged): string {
  if (judged === 'none') return '–';
  const ok = judged === 'runs' ? r.runsPerBranch.mean <= r.target : r.mergeTimeMedian.mean <= MERGE_TIME_TARGET;
  return `${ok ? 'yes' : '**no**'} (${judged})`;
}

function economyTable(results: readonly ScenarioResult[], judged: Judged): string {
  return table(['p', 'full-suite runs/branch', 'floor H(p)', 'target', 'ratio', 'met', 're-runs/branch', 'wrongly rejected', 'merge time median', 'merge time p90'], results.map((r) => [
    label(r.scenario), pm(r.runsPerBranch, 3), fixed(r.floor, 3), fixed(r.target, 3), `${fixed(r.ratio, 2)}×`,
    met(r, judged), pm(r.rerunsPerBranch, 3),
    `${fixed(r.wronglyRejected.mean * 100, 2)} % (max ${fixed(r.wronglyRejected.max * 100, 2)} %)`,
    pm(r.mergeTimeMedian, 1), pm(r.mergeTimeP90, 1),
  ]));
}

function whereTable(results: readonly ScenarioResult[]): string {
  return table(['p', 'mean batch size', 'batch tip runs/branch', 'bisection runs/branch', 're-runs/branch'], results.map((r) => [
    label(r.scenario), pm(r.meanBatchSize, 1), pm(r.batchRunsPerBranch, 3), pm(r.bisectionRunsPerBranch, 3), pm(r.rerunsPerBranch, 3),
  ]));
}

/** The results as Markdown: per arrival model, runs against the floor, then where the runs go. */
export function renderGateEconomy(groups: ReadonlyArray<{ title: string; judged: Judged; results: readonly ScenarioResult[] }>, seeds: number, branches: number): string {
  return [
    '# gantry gate economy',
    '',
    `${branches} branches per run through the real \`gateBatch\` and \`batchSizeFor\`, ${seeds} seeds; mean ± standard deviation over the seeds.`,
    'Runs are full-suite runs per branch; re-runs of failed tests (run alone with `gate.select`) are counted apart. Merge time is in suite runs (re-runs included), over merged branches.',
    `Targets: full-suite runs per branch ≤ 1.10·H(p) + 0.05 where branches queue up; median merge time ≤ ${MERGE_TIME_TARGET} suite runs where the gate keeps up with arrivals; good branches wrongly rejected ≤ 0.5 %.`,
    ...groups.flatMap(({ title, judged, results }) => ['', `## ${title}`, '', economyTable(results, judged), '', 'Where the runs go:', '', whereTable(results)]),
    '',
  ].join('\n');
}
