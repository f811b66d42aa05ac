/**
 * Oracle bisection: builds and rounds the real engine (harness/oracle) needs
 * to find every culprit, against log2 C(n, k) and log2(n / k), with a
 * simulated judge. Pure computation. Writes bench/results/bisect.json and
 * bisect.md and prints the table. See bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { mulberry32 } from '../harness/gate/prng.ts';
import { findCulprits, type BisectResult } from '../harness/oracle/index.ts';
import { drawUnits, simulatedJudge, unitNames } from '../test/helpers/oracle-judge.ts';
import { spread, type Spread } from './gate-economy-table.ts';
import { hwangBuilds } from './hwang-reference.ts';

const SIZES = [64, 512, 2844];
const COUNTS = [1, 3, 10];
const SEEDS = Array.from({ length: 100 }, (_, i) => i + 1);
const PARALLEL = 16;
const FLAKY = { rate: 0.1, confirm: 3, sizes: SIZES, seeds: SEEDS };
const RESULTS = new URL('./results/', import.meta.url);

type Culprits = string[][];

interface Run {
  seed: number;
  exact: boolean;
  builds: number;
  rounds: number;
}

function log2Binomial(n: number, k: number): number {
  let sum = 0;
  for (let i = 0; i < k; i += 1) sum += Math.log2((n - i) / (i + 1));
  return sum;
}

function culpritsFor(n: number, k: number, seed: number): Culprits {
  return drawUnits(unitNames(n), k, mulberry32(seed * 7919 + n * 31 + k)).map((unit) => [unit]);
}

const sameCulprits = (found: Culprits, expected: Culprits) =>
  JSON.stringify(found) === JSON.stringify(expected.map((set) => [...set].sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')));

async function bisect(n: number, culprits: Culprits, options: { parallel: number; confirm: number; flakeRate?: number; seed: number }): Promise<Run> {
  const judge = simulatedJudge(culprits, { flakeRate: options.flakeRate ?? 0, seed: options.seed });
  const result: BisectResult = await findCulprits({ units: unitNames(n), probe: judge.probe, parallel: options.parallel, confirm: options.confirm });
  return { seed: options.seed, exact: sameCulprits(result.culprits, culprits), builds: result.builds, rounds: result.rounds };
}

async function runSeeds(work: (seed: number) => Promise<Run>, seeds: readonly number[]): Promise<Run[]> {
  const runs = [];
  for (const seed of seeds) runs.push(await work(seed));
  return runs;
}

const mean = (runs: readonly Run[], pick: (run: Run) => number): Spread => spread(runs.map(pick));

interface SinglesRow {
  n: number;
  k: number;
  log2Binomial: number;
  buildsTarget: number;
  roundsTarget: number;
  /** confirm 1 (a deterministic judge, single answers trusted), one probe at a time: every build the search needs. */
  trusted: { builds: Spread; exact: number };
  /** confirm 1 with PARALLEL probes at a time (and 8): free slots test groups ahead, spending builds to save rounds. */
  parallel: { builds: Spread; rounds: Spread; roundsAt8: Spread; exact: number };
  /** confirm 2 (the default): every culprit and the final mix answered twice. */
  confirmed: { builds: Spread; exact: number };
  /** Hwang's splitting told k, with the same checks (hwang-reference.ts): how much of the gap is learning k. */
  hwangKnownK: Spread;
}

async function singlesRow(n: number, k: number): Promise<SinglesRow> {
  const L = log2Binomial(n, k);
  const trusted = await runSeeds((seed) => bisect(n, culpritsFor(n, k, seed), { parallel: 1, confirm: 1, seed }), SEEDS);
  const wide = await runSeeds((seed) => bisect(n, culpritsFor(n, k, seed), { parallel: PARALLEL, confirm: 1, seed }), SEEDS);
  const at8 = await runSeeds((seed) => bisect(n, culpritsFor(n, k, seed), { parallel: 8, confirm: 1, seed }), SEEDS);
  const confirmed = await runSeeds((seed) => bisect(n, culpritsFor(n, k, seed), { parallel: 1, confirm: 2, seed }), SEEDS);
  return {
    n, k, log2Binomial: L, buildsTarget: 1.15 * L + 2, roundsTarget: Math.ceil(Math.log2(n / k)) + 3,
    trusted: { builds: mean(trusted, (r) => r.builds), exact: trusted.filter((r) => r.exact).length },
    parallel: { builds: mean(wide, (r) => r.builds), rounds: mean(wide, (r) => r.rounds), roundsAt8: mean(at8, (r) => r.rounds), exact: [...wide, ...at8].filter((r) => r.exact).length },
    confirmed: { builds: mean(confirmed, (r) => r.builds), exact: confirmed.filter((r) => r.exact).length },
    hwangKnownK: spread(SEEDS.map((seed) => hwangBuilds(unitNames(n), new Set(culpritsFor(n, k, seed).flat())))),
  };
}

interface PairRow {
  n: number;
  target: number;
  /** Builds with the pair minus builds of the same run without it, one probe at a time. */
  extra: Spread;
  /** The same with PARALLEL probes at a time. */
  extraParallel: Spread;
  exact: number;
}

/** Three single culprits, then the same three plus two units that fail only together. */
async function pairRow(n: number): Promise<PairRow> {
  const extras = new Map<number, number[]>([[1, []], [PARALLEL, []]]);
  let exact = 0;
  for (const seed of SEEDS) {
    const drawn = drawUnits(unitNames(n), 5, mulberry32(seed * 104729 + n));
    const singles = drawn.slice(0, 3).map((unit) => [unit]);
    const withPair = [...singles, drawn.slice(3)];
    for (const [parallel, list] of extras) {
      const without = await bisect(n, singles, { parallel, confirm: 1, seed });
      const withIt = await bisect(n, withPair, { parallel, confirm: 1, seed });
      list.push(withIt.builds - without.builds);
      if (withIt.exact && without.exact) exact += 1;
    }
  }
  return { n, target: 2 * Math.ceil(Math.log2(n)) + 4, extra: spread(extras.get(1) ?? []), extraParallel: spread(extras.get(PARALLEL) ?? []), exact };
}

interface FlakyRow {
  n: number;
  k: number;
  exact: number;
  builds: Spread;
  rounds: Spread;
  /** Mean builds over the mean builds of the deterministic judge (confirm 1). */
  overhead: number;
}

async function flakyRow(n: number, k: number, trusted: SinglesRow): Promise<FlakyRow> {
  const runs = await runSeeds((seed) => bisect(n, culpritsFor(n, k, seed), { parallel: PARALLEL, confirm: FLAKY.confirm, flakeRate: FLAKY.rate, seed }), FLAKY.seeds);
  const builds = mean(runs, (r) => r.builds);
  return { n, k, exact: runs.filter((r) => r.exact).length, builds, rounds: mean(runs, (r) => r.rounds), overhead: builds.mean / trusted.parallel.builds.mean };
}

const one = (x: number) => x.toFixed(1);
const mark = (ok: boolean) => (ok ? '' : ' ✗');
/** value ≤ target, forgiving the last bits of a float: 1.15 · 6 + 2 is 8.899999… in binary, and a mean of 8.9 meets it. */
const meets = (value: number, target: number) => value <= target + 1e-9;

function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function render(singles: readonly SinglesRow[], pairs: readonly PairRow[], flaky: readonly FlakyRow[]): string {
  const runs = SEEDS.length;
  return [
    '# Oracle bisection bench',
    '',
    `Simulated judge, real engine (\`findCulprits\`), culprits placed at random, ${runs} seeds per row; mean (max). ✗ = target missed (by the mean).`,
    '',
    `Builds are counted one probe at a time (\`parallel: 1\`): every build the search needs. Rounds are counted with ${PARALLEL} probes at a time: then the first round tests the units in ${PARALLEL} groups and free slots test groups ahead, which saves rounds and costs builds (shown).`,
    '',
    '## Single culprits, deterministic judge',
    '',
    'Judged with `confirm: 1` (a deterministic build and judge: single answers trusted). The default `confirm: 2` answers each culprit and the final mix a second time: k + 1 more builds, shown apart. \"Hwang, k told\" is the classic generalized binary splitting given k in advance, on the same culprits, with the same checks (a culprit found by elimination is built alone once, for its reproducer; the final mix once): what a search that need not learn k would spend.',
    '',
    table(['n', 'k', 'log2 C(n,k)', 'builds', 'target 1.15·L+2', 'Hwang, k told', `rounds at ${PARALLEL}`, 'target ⌈log2 n/k⌉+3', `builds at ${PARALLEL}`, 'rounds at 8', 'exact', 'builds, confirm 2', 'exact, confirm 2'], singles.map((r) => [
      r.n, r.k, one(r.log2Binomial),
      `**${one(r.trusted.builds.mean)}** (${r.trusted.builds.max})${mark(meets(r.trusted.builds.mean, r.buildsTarget))}`, one(r.buildsTarget), `${one(r.hwangKnownK.mean)} (${r.hwangKnownK.max})`,
      `**${one(r.parallel.rounds.mean)}** (${r.parallel.rounds.max})${mark(meets(r.parallel.rounds.mean, r.roundsTarget))}`, r.roundsTarget,
      `${one(r.parallel.builds.mean)} (${r.parallel.builds.max})`, `${one(r.parallel.roundsAt8.mean)} (${r.parallel.roundsAt8.max})`, `${r.trusted.exact + r.parallel.exact}/${3 * runs}`,
      `${one(r.confirmed.builds.mean)} (${r.confirmed.builds.max})`, `${r.confirmed.exact}/${runs}`,
    ])),
    '',
    '## An interacting pair',
    '',
    'Three single culprits, with and without two more units that fail only together; extra builds = builds with the pair − builds without it (same seed, `confirm: 1`).',
    '',
    table(['n', 'extra builds', 'target 2·⌈log2 n⌉+4', `extra builds at ${PARALLEL}`, 'exact'], pairs.map((r) => [
      r.n, `**${one(r.extra.mean)}** (${r.extra.min}…${r.extra.max})${mark(meets(r.extra.mean, r.target))}`, r.target,
      `${one(r.extraParallel.mean)} (${r.extraParallel.min}…${r.extraParallel.max})`, `${r.exact}/${2 * runs}`,
    ])),
    '',
    `## Flaky judge: every answer wrong with probability ${FLAKY.rate}`,
    '',
    `\`confirm: ${FLAKY.confirm}\`, ${PARALLEL} probes at a time; overhead = mean builds over the deterministic judge's mean builds for the same culprits at ${PARALLEL}.`,
    '',
    table(['n', 'k', 'exact', 'builds', 'rounds', 'overhead'], flaky.map((r) => [
      r.n, r.k, `**${r.exact}/${FLAKY.seeds.length}**`, `${one(r.builds.mean)} (${r.builds.max})`, `${one(r.rounds.mean)} (${r.rounds.max})`, `${one(r.overhead)}×`,
    ])),
    '',
  ].join('\n');
}

/** Runs every scenario, writes the results and returns the Markdown. */
export async function benchBisect(): Promise<string> {
  const started = new Date();
  const singles: SinglesRow[] = [];
  for (const n of SIZES) for (const k of COUNTS) singles.push(await singlesRow(n, k));
  const pairs: PairRow[] = [];
  for (const n of SIZES) pairs.push(await pairRow(n));
  const flaky: FlakyRow[] = [];
  for (const row of singles.filter((r) => FLAKY.sizes.includes(r.n))) flaky.push(await flakyRow(row.n, row.k, row));
  const markdown = render(singles, pairs, flaky);
  await mkdir(RESULTS, { recursive: true });
  const json = { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), parallel: PARALLEL, seeds: SEEDS, flaky: FLAKY, singles, pairs, flakyRows: flaky };
  await writeFile(new URL('bisect.json', RESULTS), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(new URL('bisect.md', RESULTS), markdown);
  return markdown;
}

if (import.meta.main) console.log(await benchBisect());
