/**
 * Gate economy: full-suite runs the merge gate spends per branch against the
 * entropy floor, good branches wrongly rejected and time to merge, by
 * simulating the real batching and bisection code over a fake suite. Pure
 * computation. Writes bench/results/gate-economy.json and gate-economy.md and
 * prints the tables. See bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { renderGateEconomy, summarizeScenario, type Judged, type ScenarioResult } from './gate-economy-table.ts';
import { simulateGate, type GateScenario } from './gate-sim.ts';

const BRANCHES = 200;
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** Bisection alone against the floor, then the re-runs the gate adds for real failures and for flakes. */
const CASES = [
  { badRate: 0.01, flakeRate: 0, reruns: 0 },
  { badRate: 0.05, flakeRate: 0, reruns: 0 },
  { badRate: 0.1, flakeRate: 0, reruns: 0 },
  { badRate: 0.1, flakeRate: 0, reruns: 2 },
  { badRate: 0.1, flakeRate: 0.1, reruns: 2 },
];
/** What-if: the batch size the bad rate calls for, known from the first batch. */
const KNOWN_RATE_CASES = CASES.filter((c) => c.reruns === 0).map((c) => ({ ...c, fixedBatchSize: Math.round(Math.LN2 / c.badRate) }));
const GROUPS: Array<{ title: string; arrivalEvery: number; judged: Judged; cases: typeof CASES }> = [
  { title: 'Queue: all branches waiting at the start', arrivalEvery: 0, judged: 'runs', cases: CASES },
  { title: 'Light load: one branch arrives every two suite runs', arrivalEvery: 2, judged: 'merge time', cases: CASES },
  { title: 'Steady state: one branch arrives per suite run', arrivalEvery: 1, judged: 'merge time', cases: CASES },
  { title: 'Busy: four branches arrive per suite run', arrivalEvery: 0.25, judged: 'none', cases: CASES },
  { title: 'What-if, queue: batch size fixed at ln 2 / p instead of batchSizeFor', arrivalEvery: 0, judged: 'none', cases: KNOWN_RATE_CASES },
];
const RESULTS = new URL('./results/', import.meta.url);

async function runScenario(scenario: GateScenario): Promise<ScenarioResult> {
  const runs = [];
  for (const seed of SEEDS) runs.push(await simulateGate(scenario, seed));
  return summarizeScenario(scenario, runs);
}

/** Runs every scenario, writes the results and returns the Markdown. */
export async function benchGateEconomy(): Promise<string> {
  const started = new Date();
  const groups = [];
  for (const { title, arrivalEvery, judged, cases } of GROUPS) {
    const results = [];
    for (const c of cases) {
      const name = `${title}: ${JSON.stringify(c)}`;
      results.push(await runScenario({ name, branches: BRANCHES, arrivalEvery, ...c }));
    }
    groups.push({ title, judged, results });
  }
  const markdown = renderGateEconomy(groups, SEEDS.length, BRANCHES);
  await mkdir(RESULTS, { recursive: true });
  const json = { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), branches: BRANCHES, seeds: SEEDS, groups };
  await writeFile(new URL('gate-economy.json', RESULTS), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(new URL('gate-economy.md', RESULTS), markdown);
  return markdown;
}

if (import.meta.main) console.log(await benchGateEconomy());
