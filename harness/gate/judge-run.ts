import type { GantryConfig } from '../config/types.ts';
import type { FlakeCounts, FlakeStore } from './flakes.ts';
import { settleByHistory, type Settled } from './flakes.ts';
import { judge, renderProblems, type Problem } from './ratchet.ts';
import type { SuiteRun, TestCase } from './results/index.ts';
import type { TestRunResult } from './test-run.ts';

export interface RunVerdict {
  passed: boolean;
  /** What the rejected branch's next brief says. */
  detail: string;
  /** The tip's per-test results, kept as main's baseline when it goes in. */
  results?: SuiteRun;
  flaky: string[];
}

export interface JudgeDeps {
  config: GantryConfig;
  flakes: FlakeStore;
  /** Main's per-test results at `base`, running the suite there when none are stored. */
  baselineAt(base: string): Promise<SuiteRun | undefined>;
  /** Runs only the given tests on the commit under test. */
  rerun(tests: TestCase[]): Promise<SuiteRun>;
}

const RERUNNABLE = new Set<Problem['kind']>(['failed', 'new-failing']);

function why(config: GantryConfig, run: TestRunResult): string {
  if (run.timedOut) return `timed out after ${config.gate.timeoutMs} ms`;
  if (run.oomKilled) return 'ran out of memory';
  return `exited with code ${run.exitCode}`;
}

/**
 * The gate's verdict on one test run of a merged tip: with per-test results,
 * the ratchet against main's baseline (no test that passes on main may fail,
 * be skipped, focused or disappear; new tests must pass), after re-running
 * each failure alone so that a flaky test neither rejects a good branch nor
 * goes unrecorded. With `format: exit-code`, the exit code alone.
 */
export async function judgeRun(deps: JudgeDeps, base: string, run: TestRunResult): Promise<RunVerdict> {
  const { config } = deps;
  const command = `\`${config.gate.command}\``;
  if (config.gate.format === 'exit-code' || run.timedOut || run.oomKilled) {
    const passed = config.gate.format === 'exit-code' && run.exitCode === 0;
    return { passed, detail: `${command} ${why(config, run)}\n${run.outputTail}`, flaky: [] };
  }
  if (!run.results) {
    // A branch can break the runner itself (a deleted config, a syntax error): that rejects it.
    return { passed: false, detail: `${command} ${why(config, run)} and left no readable ${config.gate.format} results (${run.resultsError ?? 'none'})\n${run.outputTail}`, flaky: [] };
  }
  const quarantined = await deps.flakes.quarantined(config.gate.quarantine);
  const verdict = judge(await deps.baselineAt(base), run.results, { quarantined });
  const rerunnable = verdict.problems.filter((p) => RERUNNABLE.has(p.kind));
  const failing = run.results.tests.filter((t) => rerunnable.some((p) => p.id === t.id));
  const settled = await settle(deps, failing);
  const flaky = new Set(settled.flaky.map((t) => t.id));
  const counts = new Map<string, FlakeCounts>(run.results.tests.map((t) => [t.id, { runs: 1, flaky: flaky.has(t.id) ? 1 : 0 }]));
  await deps.flakes.recordAll(counts);
  const problems = verdict.problems.filter((p) => !flaky.has(p.id));
  return {
    passed: problems.length === 0,
    detail: `${command}: ${problems.length} test problem(s) against main:\n${renderProblems(problems)}`,
    results: run.results,
    flaky: [...flaky],
  };
}

/** Re-runs failures; a test with a flaky history (a flake rate above 0) gets more tries. */
async function settle(deps: JudgeDeps, failing: TestCase[]): Promise<Settled> {
  const rates = new Map(await Promise.all(failing.map(async (t) => [t.id, await deps.flakes.rate(t.id)] as const)));
  return settleByHistory(failing, deps.rerun, deps.config.gate.reruns, (id) => (rates.get(id) ?? 0) > 0);
}
