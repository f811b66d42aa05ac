/**
 * One long outage in the middle of a run (issue 9: Redis down for 30 s, the
 * state directory's disk full): the chaos rig's two `gantry run` processes
 * on a Redis of their own, a batch of tasks, and, once work is under way (a
 * merge on main and a session running), the outage begins, lasts, and ends.
 * While it lasts the run is looked at every second; afterwards the queue
 * drains, both processes stop, and the invariants of the chaos run are
 * checked on what the run left.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { ControllerRegistry } from '../../harness/controller/index.ts';
import { mulberry32 } from '../../harness/gate/prng.ts';
import { BullTaskQueue, connectRedis, type TaskRecord } from '../../harness/queue/index.ts';
import { DockerRuntime, LABEL, runSelector } from '../../harness/runtime/index.ts';
import { makeProject, type Project, type ProjectOptions } from '../helpers/project-fixture.ts';
import { ChaosRig } from './chaos-rig.ts';
import { checkInvariants, type Violation } from './invariants.ts';
import { KillableRedis } from './killable-redis.ts';
import { gatherSnapshot, mainHead, runContainerFacts } from './snapshot.ts';
import { waitUntil } from './wait.ts';

const UNDER_WAY_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 60_000;

export interface Outage {
  /** Before the processes start, on the project just made. */
  prepare?(project: Project): Promise<void>;
  begin(rig: ChaosRig, project: Project): Promise<void>;
  end(rig: ChaosRig, project: Project): Promise<void>;
  /** After the processes stopped, before the project is removed: undo `prepare`. */
  cleanup?(project: Project): Promise<void>;
  lastsMs: number;
}

/** One look at the run while the outage lasted. */
export interface OutageSample {
  atMs: number;
  /** Agent sessions running. */
  sessions: number;
  head: string;
}

export interface OutageResult {
  samples: OutageSample[];
  tasks: TaskRecord[];
  violations: Violation[];
  /** Crashes (a process that exited on its own), an unclean stop, a queue that never drained. */
  problems: string[];
  /** Both processes' logs, together. */
  logs: string;
  /** `git fsck` of the controller's clone, after the run: empty when it is sound. */
  fsck: string;
}

async function sessionsRunning(run: string): Promise<number> {
  const { stdout } = await execa('docker', ['ps', '-q', '--filter', `label=${LABEL.run}=${run}`, '--filter', `label=${LABEL.purpose}=session`]);
  return stdout.split('\n').filter(Boolean).length;
}

/** `note` and `slow` tasks in turn (the chaos fixture's agent: a slow one sleeps between two commits); every one can merge. */
export async function runThroughOutage(outage: Outage, options: { tasks: number; project?: ProjectOptions; log?: (line: string) => void }): Promise<OutageResult> {
  const log = options.log ?? (() => {});
  const redis = await KillableRedis.start();
  const project = await makeProject(redis.url, {
    fixture: 'chaos', concurrency: 2, retries: 2, sessions: 2, leaseMs: 10_000, graceMs: 5_000, agentEnv: { SLOW_SECONDS: '6' }, logLevel: 'info', ...options.project,
  });
  const connection = await connectRedis(redis.url);
  const queue = new BullTaskQueue({ connection, prefix: project.prefix, attempts: 3 });
  const rig = new ChaosRig({ redis, connection, project, random: mulberry32(1), log });
  let run = '';
  let prepared = false;
  try {
    await outage.prepare?.(project);
    prepared = true;
    run = await rig.start();
    const added: string[] = [];
    for (let index = 0; index < options.tasks; index += 1) {
      added.push((await queue.add({ text: `${index % 2 === 0 ? 'slow' : 'note'} o${index}`, role: 'core', files: [], source: 'manual' })).task.id);
    }
    const heads = [await mainHead(project.upstream)];
    const underWay = await waitUntil(async () => (await mainHead(project.upstream)) !== heads[0] && (await sessionsRunning(run)) > 0, UNDER_WAY_TIMEOUT_MS);
    if (!underWay) rig.problems.push(`no merge with a session running within ${UNDER_WAY_TIMEOUT_MS / 1000} s of the start`);

    log('outage begins');
    const began = Date.now();
    await outage.begin(rig, project);
    const samples: OutageSample[] = [];
    while (Date.now() - began < outage.lastsMs) {
      const head = await mainHead(project.upstream);
      samples.push({ atMs: Date.now() - began, sessions: await sessionsRunning(run), head });
      heads.push(head);
      await sleep(1_000);
    }
    await outage.end(rig, project);
    log('outage over; draining');

    if (!(await waitUntil(async () => (await queue.pending()) === 0, DRAIN_TIMEOUT_MS))) rig.problems.push(`tasks still pending ${DRAIN_TIMEOUT_MS / 1000} s after the outage`);
    const recovered = await runContainerFacts(run);
    const aliveOwners = await new ControllerRegistry(connection, project.prefix).alive();
    await rig.stop(STOP_TIMEOUT_MS);
    heads.push(await mainHead(project.upstream));
    const tasks = await queue.list();
    const stateDir = join(project.dir, 'state');
    const snapshot = await gatherSnapshot({
      upstream: project.upstream, stateDir, run, added, tasks, heads,
      containers: { recovered, aliveOwners, afterStop: await runContainerFacts(run) },
    });
    const fsck = await execa('git', ['--git-dir', join(stateDir, 'repo.git'), 'fsck', '--no-dangling', '--no-progress'], { reject: false, all: true });
    const logs = (await Promise.all(['controller', 'worker'].map((name) => readFile(join(project.dir, `${name}.log`), 'utf8')))).join('\n');
    return { samples, tasks, violations: checkInvariants(snapshot), problems: rig.problems, logs, fsck: fsck.exitCode === 0 ? '' : fsck.all };
  } finally {
    await rig.close(STOP_TIMEOUT_MS);
    await queue.close().catch(() => {});
    connection.disconnect();
    if (run) await new DockerRuntime().removeAll(runSelector(run));
    if (prepared) await outage.cleanup?.(project);
    await project.cleanup();
    await redis.stop();
  }
}
