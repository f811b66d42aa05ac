/**
 * The soak: one controller, run as `gantry run` runs it (a child process),
 * with the demo's scripted command agents for `minutes`, fed tasks the whole
 * time so it is never idle. Every `sampleEveryMs` it records the controller's
 * RSS (/proc), its live heap (soak-probe.ts) and the state directory's disk
 * use; then the feed stops, the queue drains, and one last sample is taken
 * idle. `node bench/soak.ts --minutes 30` runs it alone and writes
 * bench/results/soak.{json,md}; `npm run bench` runs it last.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { Redis } from 'ioredis';
import { BullTaskQueue, connectRedis } from '../harness/queue/index.ts';
import { makeProject, type Project } from '../test/helpers/project-fixture.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { removeContainers } from './harness-run.ts';
import { machineFacts, type MachineFacts } from './machine.ts';
import { latestProbe, rssOf, stateDiskUse, type SoakSample } from './soak-sample.ts';
import { summarizeSoak, type SoakSummary } from './soak-summary.ts';
import { renderSoak } from './soak-table.ts';

const CLI = new URL('../harness/cli/main.ts', import.meta.url).pathname;
const PROBE = new URL('./soak-probe.ts', import.meta.url).pathname;
const RESULTS = new URL('./results/', import.meta.url);
/** One task in this many is `wrong`: the gate rejects it, it is retried, and it fails, as some real tasks do. */
const WRONG_EVERY = 10;
/** Tasks kept waiting per worker slot, so a slot never waits for the feed. */
const BACKLOG_PER_SLOT = 2;
const FEED_EVERY_MS = 500;
const DRAIN_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 60_000;

export interface SoakOptions {
  redisUrl: string;
  minutes: number;
  /** @defaultValue 30_000 */
  sampleEveryMs?: number;
  /** Worker slots. @defaultValue 3 */
  concurrency?: number;
  /** Progress, one line a sample. */
  log?: (line: string) => void;
}

export interface SoakResult {
  startedAt: string;
  minutes: number;
  sampleEveryMs: number;
  concurrency: number;
  wrongEvery: number;
  machine: MachineFacts;
  samples: SoakSample[];
  summary: SoakSummary;
  /** The controller's exit code after SIGTERM (0: a clean shutdown). */
  controllerExit: number | null;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function taskText(index: number): string {
  return `${index % WRONG_EVERY === WRONG_EVERY - 1 ? 'wrong' : 'note'} s${index}`;
}

/** A `gantry run` with the memory probe loaded, its log in `logFile`. */
function startController(project: Project, redisUrl: string, probeFile: string, sampleEveryMs: number, logFile: string) {
  return execa('node', ['--expose-gc', '--import', PROBE, CLI, '--config', project.configFile, 'run'], {
    cwd: project.dir,
    env: { REDIS_URL: redisUrl, GANTRY_LOG_LEVEL: 'warn', GANTRY_PROBE_FILE: probeFile, GANTRY_PROBE_INTERVAL_MS: String(sampleEveryMs) },
    stdout: 'ignore',
    stderr: { file: logFile },
    reject: false,
  });
}

async function waitForRun(redis: Redis, project: Project, alive: () => boolean, logFile: string): Promise<string> {
  for (let tries = 0; tries < 600; tries += 1) {
    const run = await redis.get(`${project.prefix}:run`);
    if (run) return run;
    if (!alive()) throw new Error(`the controller exited before it started a run:\n${await readFile(logFile, 'utf8')}`);
    await sleep(100);
  }
  throw new Error(`the controller made no run within a minute; its log: ${logFile}`);
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const sampleEveryMs = options.sampleEveryMs ?? 30_000;
  const concurrency = options.concurrency ?? 3;
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const machine = await machineFacts();
  const project = await makeProject(options.redisUrl, { concurrency, retries: 1 });
  const stateDir = join(project.dir, 'state');
  const probeFile = join(project.dir, 'probe.jsonl');
  const logFile = join(project.dir, 'controller.log');
  const redis = await connectRedis(options.redisUrl);
  const queue = new BullTaskQueue({ connection: redis, prefix: project.prefix, attempts: 2 });
  const controller = startController(project, options.redisUrl, probeFile, sampleEveryMs, logFile);
  let exited = false;
  void controller.then(() => { exited = true; });
  const alive = () => !exited;
  const samples: SoakSample[] = [];
  let added = 0;
  let run: string | undefined;
  let controllerExit: number | null = null;

  const pending = () => queue.pending();
  async function sample(phase: SoakSample['phase'], since: number): Promise<void> {
    if (!alive() || controller.pid === undefined) throw new Error(`the controller exited during the soak:\n${await readFile(logFile, 'utf8')}`);
    const [rssBytes, probe, disk, waiting] = await Promise.all([rssOf(controller.pid), latestProbe(probeFile), stateDiskUse(stateDir), pending()]);
    const taken: SoakSample = { atMs: Date.now() - since, phase, rssBytes, heapUsedBytes: probe?.heapUsedBytes ?? null, ...disk, tasksAdded: added, tasksEnded: added - waiting };
    samples.push(taken);
    log(`${phase} ${Math.round(taken.atMs / 1000)} s: rss ${(rssBytes / 2 ** 20).toFixed(1)} MiB, heap ${((taken.heapUsedBytes ?? 0) / 2 ** 20).toFixed(1)} MiB, state ${(disk.stateBytes / 2 ** 20).toFixed(1)} MiB (work ${disk.workTrees} trees, ${(disk.workBytes / 2 ** 20).toFixed(1)} MiB), tasks ${taken.tasksEnded}/${added}`);
  }

  try {
    run = await waitForRun(redis, project, alive, logFile);
    const since = Date.now();
    const feedUntil = since + options.minutes * 60_000;
    let nextSample = since;
    while (Date.now() < feedUntil) {
      while ((await pending()) < concurrency * BACKLOG_PER_SLOT) {
        await queue.add({ text: taskText(added), role: 'core', files: [], source: 'manual' });
        added += 1;
      }
      if (Date.now() >= nextSample) {
        await sample('feeding', since);
        nextSample += sampleEveryMs;
      }
      await sleep(FEED_EVERY_MS);
    }
    await sample('feeding', since);
    const drainUntil = Date.now() + DRAIN_TIMEOUT_MS;
    while ((await pending()) > 0) {
      if (Date.now() > drainUntil) throw new Error(`tasks still pending ${DRAIN_TIMEOUT_MS / 1000} s after the feed stopped; the controller's log: ${logFile}`);
      await sleep(FEED_EVERY_MS);
    }
    // The probe's next line is then taken idle too.
    await sleep(Math.min(sampleEveryMs, 10_000));
    await sample('idle', since);
  } finally {
    controller.kill('SIGTERM');
    // Unref'd: a controller that stops in time must not leave this process waiting for the timer.
    const stopped = await Promise.race([controller, new Promise<undefined>((done) => setTimeout(() => done(undefined), STOP_TIMEOUT_MS).unref())]);
    if (stopped === undefined) controller.kill('SIGKILL');
    controllerExit = stopped?.exitCode ?? null;
    await queue.close().catch(() => {});
    redis.disconnect();
    if (run) await removeContainers(run);
    await project.cleanup();
  }
  return {
    startedAt: startedAt.toISOString(), minutes: options.minutes, sampleEveryMs, concurrency, wrongEvery: WRONG_EVERY, machine,
    samples, summary: summarizeSoak(samples), controllerExit,
  };
}

/** Writes bench/results/soak.json (every sample) and soak.md; returns the Markdown. */
export async function writeSoakResults(result: SoakResult): Promise<string> {
  const markdown = renderSoak(result);
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL('soak.json', RESULTS), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(new URL('soak.md', RESULTS), markdown);
  return markdown;
}

/** `--minutes N` (default 30) from a command line. */
export function soakMinutes(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { minutes: { type: 'string', default: '30' } }, strict: false });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes ${String(values.minutes)}: expected a number of minutes above 0, e.g. --minutes 30`);
  return minutes;
}

if (import.meta.main) {
  const minutes = soakMinutes(process.argv.slice(2));
  const redis = await startRedisServer(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
  try {
    console.error(`soak: ${minutes} minutes`);
    const result = await runSoak({ redisUrl: redis.url, minutes, log: (line) => console.error(`soak: ${line}`) });
    console.log(await writeSoakResults(result));
  } finally {
    await redis.stop();
  }
}
