/**
 * The chaos run (issue 9): two `gantry run` processes on one project (the
 * "controller" and a second one, "a worker", taking tasks from the same
 * queue), fed tasks the whole time, while four kill timers, each 20-90 s
 * apart, kill -9 the controller, the worker and Redis (its append-only file
 * is replayed on restart) and `docker kill` a running agent container; each
 * comes back after a short pause (chaos-rig.ts). Once the minimum time and
 * kills are done the feed stops, the queue drains, both processes stop
 * cleanly, and the invariants (invariants.ts) are checked on what the run
 * left. Used by test/faults/chaos.test.ts (5 minutes) and bench/chaos.ts
 * (30 minutes).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControllerRegistry } from '../../harness/controller/index.ts';
import { mulberry32 } from '../../harness/gate/prng.ts';
import { BullTaskQueue, connectRedis } from '../../harness/queue/index.ts';
import { DockerRuntime, runSelector } from '../../harness/runtime/index.ts';
import { makeProject } from '../helpers/project-fixture.ts';
import { chaosFigures, KILL_TARGETS, type ChaosFigures, type Kill } from './chaos-figures.ts';
import { ChaosRig, type KillOutcome } from './chaos-rig.ts';
import { checkInvariants, type Violation } from './invariants.ts';
import { KillableRedis } from './killable-redis.ts';
import { gatherSnapshot, mainHead, runContainerFacts } from './snapshot.ts';
import { waitUntil } from './wait.ts';

const KILL_GAP_MS = { min: 20_000, max: 90_000 };
/** A target with nothing to kill (it is down, or no agent runs) is tried again this soon. */
const RETRY_MS = 2_000;
/** Tasks kept queued or running per worker slot of both processes, so that slots never wait for the feed. */
const PENDING_PER_SLOT = 2;
const FEED_EVERY_MS = 500;
const WATCH_MAIN_EVERY_MS = 1_000;
const DRAIN_TIMEOUT_MS = 300_000;
/**
 * After the last kill, how long recovery may take before the containers are
 * judged: a killed controller is known dead one registry TTL (15 s) after its
 * last heartbeat, and the reaper looks every 30 s.
 */
const RECOVERY_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
/** One task in this many is `wrong` (the gate refuses it until it fails), one in two `slow` (a sleep between two commits), the rest `note`. */
const WRONG_EVERY = 10;

export interface ChaosOptions {
  /** The kills go on at least this long… */
  minMinutes: number;
  /** …and until this many were done. */
  minKills: number;
  /** Seeds the kill schedule; random (and logged) when not given. */
  seed?: number;
  /** Worker slots of each process. @defaultValue 3 */
  concurrency?: number;
  log?: (line: string) => void;
  /** Keep the project (logs, state, upstream) when anything was found, and say where. */
  keepOnFailure?: boolean;
}

export interface ChaosResult {
  startedAt: string;
  seed: number;
  concurrency: number;
  figures: ChaosFigures;
  kills: Kill[];
  violations: Violation[];
  /** What went wrong besides the invariants: crashes, an unclean stop, a queue that never drained. */
  problems: string[];
  /** Where the project was kept (keepOnFailure). */
  keptAt?: string;
}

function taskText(index: number): string {
  const verb = index % WRONG_EVERY === WRONG_EVERY - 1 ? 'wrong' : index % 2 === 0 ? 'slow' : 'note';
  return `${verb} c${index}`;
}

/** Runs `step` every `everyMs` until the returned stop() is awaited. */
function repeat(everyMs: number, step: () => Promise<void>): { stop(): Promise<void> } {
  let going = true;
  const loop = (async () => {
    while (going) {
      await step();
      await sleep(everyMs);
    }
  })();
  return { stop: async () => { going = false; await loop; } };
}

/** Four timers, one per target, each seeded apart so that the kill times repeat with the seed; kills until both minimums are met. */
async function killAtRandom(rig: ChaosRig, seed: number, options: ChaosOptions, log: (line: string) => void, queued: () => number): Promise<Array<Omit<Kill, 'survived'> & KillOutcome>> {
  const kills: Array<Omit<Kill, 'survived'> & KillOutcome> = [];
  const start = Date.now();
  const gap = (random: () => number) => KILL_GAP_MS.min + random() * (KILL_GAP_MS.max - KILL_GAP_MS.min);
  const timers = KILL_TARGETS.map((target, index) => {
    const random = mulberry32(seed + index + 1);
    return { target, random, next: start + gap(random) };
  });
  while (Date.now() - start < options.minMinutes * 60_000 || kills.length < options.minKills) {
    for (const timer of timers) {
      if (Date.now() < timer.next) continue;
      const atMs = Date.now() - start;
      const killed = await rig.kill(timer.target);
      timer.next = Date.now() + (killed ? gap(timer.random) : RETRY_MS);
      if (!killed) continue;
      kills.push({ target: timer.target, atMs, ...killed });
      log(`${Math.round(atMs / 1000)} s: killed the ${timer.target} (${killed.detail}); ${kills.length} kills, ${queued()} tasks queued`);
    }
    await sleep(250);
  }
  return kills;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const concurrency = options.concurrency ?? 3;
  const log = options.log ?? (() => {});
  log(`seed ${seed} (CHAOS_SEED=${seed} repeats this kill schedule)`);
  const startedAt = new Date();
  const redis = await KillableRedis.start();
  const project = await makeProject(redis.url, {
    fixture: 'chaos', concurrency, retries: 2, sessions: 2, leaseMs: 10_000, graceMs: 5_000, agentEnv: { SLOW_SECONDS: '6' }, logLevel: 'info',
  });
  const connection = await connectRedis(redis.url);
  const queue = new BullTaskQueue({ connection, prefix: project.prefix, attempts: 3 });
  const rig = new ChaosRig({ redis, connection, project, random: mulberry32(seed), log });
  let run = '';
  let keptAt: string | undefined;
  try {
    run = await rig.start();
    log(`run ${run}: both processes running in ${project.dir}`);
    const chaosStart = Date.now();
    const added: string[] = [];
    const feeder = repeat(FEED_EVERY_MS, async () => {
      while ((await queue.pending()) < rig.processes.length * concurrency * PENDING_PER_SLOT) {
        added.push((await queue.add({ text: taskText(added.length), role: 'core', files: [], source: 'manual' })).task.id);
      }
    });
    const heads: string[] = [];
    const watcher = repeat(WATCH_MAIN_EVERY_MS, async () => { heads.push(await mainHead(project.upstream)); });

    const kills = await killAtRandom(rig, seed, options, log, () => added.length);
    const chaosMs = Date.now() - chaosStart;
    const lastKill = Date.now();
    log(`chaos over after ${Math.round(chaosMs / 1000)} s and ${kills.length} kills; draining`);
    await feeder.stop();
    await rig.settle();
    if (!(await waitUntil(async () => (await queue.pending()) === 0, DRAIN_TIMEOUT_MS))) rig.problems.push(`tasks still pending ${DRAIN_TIMEOUT_MS / 1000} s after the feed stopped`);
    await sleep(Math.max(0, lastKill + RECOVERY_MS - Date.now()));
    const recovered = await runContainerFacts(run);
    const aliveOwners = await new ControllerRegistry(connection, project.prefix).alive();
    await rig.stop(STOP_TIMEOUT_MS);
    const afterStop = await runContainerFacts(run);
    await watcher.stop();
    heads.push(await mainHead(project.upstream));

    const tasks = await queue.list();
    for (const record of tasks) if (record.state === 'completed' || (record.state === 'failed' && record.failedReason)) rig.ended.add(record.task.id);
    const snapshot = await gatherSnapshot({ upstream: project.upstream, stateDir: join(project.dir, 'state'), run, added, tasks, heads, containers: { recovered, aliveOwners, afterStop } });
    const violations = checkInvariants(snapshot);
    const finalKills = kills.map(({ survived, ...kill }) => ({ ...kill, survived: survived() }));
    const figures = chaosFigures({
      seed, chaosMs, totalMs: Date.now() - startedAt.getTime(), kills: finalKills,
      crashes: rig.processes.reduce((sum, target) => sum + target.crashes.length, 0), snapshot, violations,
    });
    if ((violations.length > 0 || rig.problems.length > 0) && options.keepOnFailure) keptAt = project.dir;
    return { startedAt: startedAt.toISOString(), seed, concurrency, figures, kills: finalKills, violations, problems: rig.problems, ...(keptAt ? { keptAt } : {}) };
  } finally {
    await rig.close(STOP_TIMEOUT_MS);
    await queue.close().catch(() => {});
    connection.disconnect();
    if (run) await new DockerRuntime().removeAll(runSelector(run));
    if (keptAt) log(`kept the project for a look: ${keptAt} (logs: controller.log, worker.log; state: state/; upstream: ${project.upstream})`);
    else await project.cleanup();
    await redis.stop();
  }
}
