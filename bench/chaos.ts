/**
 * The chaos bench: the chaos run of test/faults/chaos.ts (two `gantry run`
 * processes fed tasks while the controller, the worker, agent containers and
 * Redis are killed at random, each every 20-90 s) for `--chaos-minutes`
 * (default 30), then every invariant checked. `node bench/chaos.ts
 * --chaos-minutes 30 [--chaos-seed N]` runs it alone and writes
 * bench/results/chaos.{json,md}; `npm run bench` runs it last.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ATTACK_RULES, tryEveryAttack, type AttackVerdict } from '../test/faults/attacks.ts';
import { describeFigures } from '../test/faults/chaos-figures.ts';
import { runChaos, type ChaosResult } from '../test/faults/chaos.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { machineFacts, type MachineFacts } from './machine.ts';

const RESULTS = new URL('./results/', import.meta.url);
/** The CI test's floor; a 30-minute run makes far more. */
const MIN_KILLS = 15;

export interface ChaosBenchOptions {
  minutes: number;
  seed?: number;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** Attacks only: the controls (an honest and a slow agent) are not counted. */
function attacksOf(verdicts: readonly AttackVerdict[]): AttackVerdict[] {
  return verdicts.filter((verdict) => !('control' in ATTACK_RULES[verdict.attack]));
}

/** The figures as Markdown: what was killed, what the run did, what the invariants found, and the hostile agents. */
export function renderChaos(result: ChaosResult, verdicts: readonly AttackVerdict[], machine: MachineFacts): string {
  const f = result.figures;
  const attacks = attacksOf(verdicts);
  const found = [
    ...result.problems,
    ...result.violations.map((v) => `${v.invariant} (${v.kind}): ${v.message}`),
    ...verdicts.filter((verdict) => !verdict.held).map((verdict) => `hostile agent ${verdict.attack} not contained: ${verdict.seen}`),
  ];
  return [
    '# gantry chaos run',
    '',
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, Docker ${machine.docker}. Started ${result.startedAt}, seed ${f.seed}.`,
    '',
    `Two \`gantry run\` processes (${result.concurrency} slots each) on one project, fed \`note\`, \`slow\` and \`wrong\` tasks for ${f.chaosMinutes} minutes while four timers, each 20–90 s apart, kill -9 the controller, kill -9 the worker, \`docker kill\` a running agent container, and kill -9 Redis (restarted on its append-only file); each comes back after 1–3 s. Then the queue drained, both stopped on SIGTERM, and the invariants were checked (${f.totalMinutes} minutes in all).`,
    '',
    ...table(['figure', 'value'], [
      ['kills (controller / worker / container / Redis)', `${f.kills.total} (${f.kills.controller} / ${f.kills.worker} / ${f.kills.container} / ${f.kills.redis})`],
      ['kills survived', String(f.killsSurvived)],
      ['processes that crashed on their own', String(f.crashes)],
      ['tasks added / merged / failed', `${f.tasks.added} / ${f.tasks.merged} / ${f.tasks.failed}`],
      ['… failed other than the `wrong` ones', String(f.tasks.failedOtherThanWrong)],
      ['tasks lost', String(f.tasks.lost)],
      ['double merges', String(f.doubleMerges)],
      ['merged commits lost from main', String(f.lostMerges)],
      ['agent commits (lost)', `${f.agentCommits} (${f.lostCommits})`],
      ['merges on main (failing the tests)', `${f.mergesOnMain} (${f.gateBrokenAtMerges})`],
      ['main heads seen', String(f.mainHeadsSeen)],
      ['orphan containers', String(f.orphans)],
      ['journal gaps', String(f.journalGaps)],
      ['hostile agents: attacks tried / blocked', `${attacks.length} / ${attacks.filter((verdict) => verdict.held).length}`],
    ]),
    '',
    '## Kills',
    '',
    ...table(['at', 'target', 'what', 'survived'], result.kills.map((kill) => [`${Math.round(kill.atMs / 1000)} s`, kill.target, kill.detail, kill.survived ? 'yes' : '**no**'])),
    '',
    '## Hostile agents',
    '',
    'Each attack of test/faults/attacks.ts as a task of its own in a real `gantry run` (the same two batches as `npm run test:faults`), with an honest and a slow agent beside them as controls. Blocked: contained as its rule says.',
    '',
    ...table(['agent', 'what happened', 'blocked'], verdicts.map((verdict) => [
      verdict.attack, verdict.seen, 'control' in ATTACK_RULES[verdict.attack] ? (verdict.held ? 'control, untouched' : '**control touched**') : verdict.held ? 'yes' : '**no**',
    ])),
    '',
    '## Found',
    '',
    ...(found.length === 0 ? ['Nothing: every invariant held.'] : found.map((line) => `- ${line}`)),
    '',
  ].join('\n');
}

/** Runs the chaos and writes bench/results/chaos.json (every kill and violation) and chaos.md; returns the Markdown. */
export async function benchChaos(options: ChaosBenchOptions, log: (line: string) => void = () => {}): Promise<string> {
  const machine = await machineFacts();
  const result = await runChaos({ minMinutes: options.minutes, minKills: MIN_KILLS, log, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  log(describeFigures(result.figures));
  const redis = await startRedisServer(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
  const verdicts = await tryEveryAttack(redis.url, log).finally(() => redis.stop());
  const markdown = renderChaos(result, verdicts, machine);
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL('chaos.json', RESULTS), `${JSON.stringify({ machine, minMinutes: options.minutes, minKills: MIN_KILLS, ...result, attacks: verdicts }, null, 2)}\n`);
  await writeFile(new URL('chaos.md', RESULTS), markdown);
  return markdown;
}

/** `--chaos-minutes N` (default 30) and `--chaos-seed N` from a command line. */
export function chaosOptions(argv: readonly string[]): ChaosBenchOptions {
  const { values } = parseArgs({ args: [...argv], options: { 'chaos-minutes': { type: 'string', default: '30' }, 'chaos-seed': { type: 'string' } }, strict: false });
  const minutes = Number(values['chaos-minutes']);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--chaos-minutes ${String(values['chaos-minutes'])}: expected a number of minutes above 0, e.g. --chaos-minutes 30`);
  const seed = values['chaos-seed'] === undefined ? undefined : Number(values['chaos-seed']);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--chaos-seed ${String(values['chaos-seed'])}: expected an integer, as printed by an earlier run`);
  return { minutes, ...(seed === undefined ? {} : { seed }) };
}

if (import.meta.main) {
  const options = chaosOptions(process.argv.slice(2));
  console.error(`chaos: ${options.minutes} minutes`);
  console.log(await benchChaos(options, (line) => console.error(`chaos: ${line}`)));
}
