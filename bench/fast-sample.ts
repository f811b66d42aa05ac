/**
 * Fast sample: how often `gantry-test --fast` catches a regression the full
 * suite catches, and what its run costs against the full suite. Generates a
 * real vitest project, injects one-line regressions one at a time, samples
 * with the real `chooseSample` and runs the chosen tests with the real
 * `selectionCommand`. Writes bench/results/fast-sample.json and
 * fast-sample.md and prints the tables. See bench/README.md.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { relatedTestFiles } from '../harness/gate/gantry-test/related-files.ts';
import { mulberry32 } from '../harness/gate/prng.ts';
import type { SuiteRun, TestCase } from '../harness/gate/results/index.ts';
import { chooseSample } from '../harness/gate/sample.ts';
import { generateProject, linkNodeModules, mutationCandidates, type GeneratedProject, type Mutation } from './fast-sample-project.ts';
import { renderFastSample, summarizeFastSample, type MutationResult, type SampleOutcome, type Variant } from './fast-sample-table.ts';
import { summarize } from './stats.ts';
import { failedIds, runVitest, type TimedRun } from './fast-sample-vitest.ts';

const PROJECT_SEED = 20261123;
const MUTATIONS = 100;
const BUDGETS = [0.05, 0.1];
const SEEDS = [1, 2, 3];
const VARIANTS: Variant[] = ['mapped', 'withheld', 'uniform'];
/** Mutations whose fast runs are also run one sample at a time, timed and checked against the shared run. */
const TIMED_MUTATIONS = 10;
const FULL_RUNS = 3;
const REPOSITORY = join(import.meta.dirname, '..');
const RESULTS = new URL('./results/', import.meta.url);

interface Lane {
  root: string;
  runs: number;
}

interface PlannedSample extends SampleOutcome {
  chosen: Array<{ id: string; file: string; title: string }>;
}

/** Runs the whole bench, writes the results and returns the Markdown. */
export async function benchFastSample(): Promise<string> {
  const started = new Date();
  const base = await mkdtemp(join(tmpdir(), 'gantry-fast-sample-'));
  try {
    const project = await generateProject(join(base, 'lane-0'), PROJECT_SEED);
    await linkNodeModules(project.root, REPOSITORY);
    const lanes: Lane[] = [{ root: project.root, runs: 0 }];
    for (let index = 1; index < Math.max(2, availableParallelism()); index++) {
      const root = join(base, `lane-${index}`);
      await cp(project.root, root, { recursive: true, verbatimSymlinks: true });
      lanes.push({ root, runs: 0 });
    }
    const out = (lane: Lane): string => join(base, `${lanes.indexOf(lane)}-${lane.runs++}.json`);
    const first = lanes[0] as Lane;

    const baseline = (await runVitest(first.root, { kind: 'full' }, out(first))).run;
    if (baseline.tests.some((test) => test.status !== 'passed')) throw new Error(`The generated suite does not pass as written: see ${project.root}`);

    const candidates = await mutationCandidates(project, PROJECT_SEED);
    const results: Array<MutationResult | undefined> = [];
    let next = 0;
    let caught = 0;
    // Lanes take candidates in order, so the tried ones are always a prefix of the list.
    await Promise.all(
      lanes.map(async (lane) => {
        while (caught < MUTATIONS && next < candidates.length) {
          const index = next++;
          const result = await tryMutation(lane, project, baseline, candidates[index] as Mutation, () => out(lane));
          if (result !== undefined && ++caught % 10 === 0) console.error(`fast sample: ${caught} of ${MUTATIONS} regressions measured, ${next} tried`);
          results[index] = result;
        }
      }),
    );
    const tried = results.length;
    const kept = results.filter((result) => result !== undefined).slice(0, MUTATIONS);
    if (kept.length < MUTATIONS) throw new Error(`Only ${kept.length} of ${candidates.length} mutations were caught by the full suite; the bench needs ${MUTATIONS}`);

    // Times are taken last, one run at a time, on a warm project and an idle machine.
    const timed = [];
    for (const result of kept.slice(0, TIMED_MUTATIONS)) timed.push(...(await timeFastRuns(first, project, baseline, result, () => out(first))));
    const fullRuns: TimedRun[] = [];
    const startup: TimedRun[] = [];
    for (let i = 0; i < FULL_RUNS; i++) {
      fullRuns.push(await runVitest(first.root, { kind: 'full' }, out(first)));
      startup.push(await runVitest(first.root, { kind: 'none', file: project.testFiles[0] ?? '' }, out(first)));
    }

    const summary = summarizeFastSample({
      tests: baseline.tests.length,
      baselineTestMs: baseline.tests.reduce((sum, test) => sum + Math.max(1, test.durationMs ?? 0), 0),
      modules: project.sources.length,
      tried,
      mutations: kept,
      seeds: SEEDS,
      budgets: BUDGETS,
      full: { wall: summarize(fullRuns.map((run) => run.wallMs)), testMs: summarize(fullRuns.map((run) => run.testMs)) },
      startup: summarize(startup.map((run) => run.wallMs)),
      timed,
      lanes: lanes.length,
    });
    const markdown = renderFastSample(summary);
    await mkdir(RESULTS, { recursive: true });
    const json = { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), projectSeed: PROJECT_SEED, ...summary };
    await writeFile(new URL('fast-sample.json', RESULTS), `${JSON.stringify(json, null, 2)}\n`);
    await writeFile(new URL('fast-sample.md', RESULTS), markdown);
    return markdown;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/**
 * Applies one mutation in the lane's copy and runs the test files importing
 * the mutated module (no module imports another, so only they can fail: the
 * full suite's verdict at a fraction of its time). A caught mutation is then
 * sampled every way, and the union of all samples runs once through
 * `selectionCommand`; each sample caught it iff one of its tests failed there.
 */
async function tryMutation(lane: Lane, project: GeneratedProject, baseline: SuiteRun, mutation: Mutation, out: () => string): Promise<MutationResult | undefined> {
  return withMutation(lane.root, mutation, async () => {
    const importers = relatedTestFiles(lane.root, project.testFiles, [mutation.file]);
    const failing = failedIds((await runVitest(lane.root, { kind: 'files', files: importers }, out())).run);
    if (failing.size === 0) return undefined;
    const samples = planSamples(baseline.tests, mutation, importers);
    const union = new Map(samples.flatMap((sample) => sample.chosen.map((test) => [test.id, test] as const)));
    const ran = (await runVitest(lane.root, { kind: 'tests', chosen: [...union.values()] }, out())).run;
    const failedInSample = failedIds(ran);
    const ranIds = new Set(ran.tests.filter((test) => test.status !== 'skipped').map((test) => test.id));
    return {
      mutation,
      failing: [...failing],
      // The shared run must run exactly the union, and fail exactly where the full suite does.
      selectionMismatches: [...union.keys()].filter((id) => !ranIds.has(id) || failing.has(id) !== failedInSample.has(id)).length + [...ranIds].filter((id) => !union.has(id)).length,
      samples: samples.map(({ chosen, ...outcome }) => ({ ...outcome, caught: chosen.some((test) => failedInSample.has(test.id)) })),
    };
  });
}

function planSamples(tests: readonly TestCase[], mutation: Mutation, importers: readonly string[]): PlannedSample[] {
  return VARIANTS.flatMap((variant) =>
    BUDGETS.flatMap((budget) =>
      SEEDS.map((seed) => {
        if (variant === 'uniform') return { variant, budget, seed, ...uniformSample(tests, budget, seed) };
        const sample = chooseSample({
          tests,
          changedFiles: variant === 'mapped' ? [mutation.file] : [],
          recentFailures: [],
          related: variant === 'mapped' ? importers : [],
          budget,
          seed,
        });
        return { variant, budget, seed, chosen: sample.chosen, estimatedMs: sample.estimatedMs, caught: false };
      }),
    ),
  );
}

/** The comparison: tests in a seeded uniform order, each taken while it fits the same time budget. */
function uniformSample(tests: readonly TestCase[], budget: number, seed: number): { chosen: TestCase[]; estimatedMs: number; caught: boolean } {
  const random = mulberry32(seed);
  const cost = (test: TestCase): number => Math.max(1, test.durationMs ?? 0);
  let leftMs = budget * tests.reduce((sum, test) => sum + cost(test), 0);
  const chosen = [...tests]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((test) => ({ test, key: random() }))
    .sort((a, b) => a.key - b.key)
    .flatMap(({ test }) => {
      if (cost(test) > leftMs) return [];
      leftMs -= cost(test);
      return [test];
    });
  return { chosen, estimatedMs: chosen.reduce((sum, test) => sum + cost(test), 0), caught: false };
}

/** The fast run as an agent would see it: one `gantry-test --fast` sample at a time, timed. */
async function timeFastRuns(lane: Lane, project: GeneratedProject, baseline: SuiteRun, result: MutationResult, out: () => string) {
  return withMutation(lane.root, result.mutation, async () => {
    const importers = relatedTestFiles(lane.root, project.testFiles, [result.mutation.file]);
    const failing = new Set(result.failing);
    const runs = [];
    for (const planned of planSamples(baseline.tests, result.mutation, importers).filter((sample) => sample.variant === 'mapped' && sample.seed === SEEDS[0])) {
      const run = await runVitest(lane.root, { kind: 'tests', chosen: planned.chosen }, out());
      const shared = result.samples.find((sample) => sample.variant === planned.variant && sample.budget === planned.budget && sample.seed === planned.seed);
      const caught = run.run.tests.some((test) => test.status === 'failed' && failing.has(test.id));
      runs.push({ budget: planned.budget, wallMs: run.wallMs, testMs: run.testMs, agreesWithSharedRun: caught === shared?.caught });
    }
    return runs;
  });
}

async function withMutation<T>(root: string, mutation: Mutation, work: () => Promise<T>): Promise<T> {
  const path = join(root, mutation.file);
  const original = await readFile(path, 'utf8');
  const lines = original.split('\n');
  if (lines[mutation.line - 1] !== mutation.before) throw new Error(`${path}:${mutation.line} is not "${mutation.before}": the lane's copy changed under the bench`);
  lines[mutation.line - 1] = mutation.after;
  await writeFile(path, lines.join('\n'));
  try {
    return await work();
  } finally {
    await writeFile(path, original);
  }
}

if (import.meta.main) console.log(await benchFastSample());
