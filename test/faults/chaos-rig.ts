import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Redis } from 'ioredis';
import { LABEL } from '../../harness/runtime/index.ts';
import type { Project } from '../helpers/project-fixture.ts';
import type { KillTarget } from './chaos-figures.ts';
import { GantryProcess, type Exit } from './gantry-process.ts';
import { KillableRedis } from './killable-redis.ts';
import { waitUntil } from './wait.ts';

/** How long a killed process or Redis stays down before it is started again. */
const PAUSE_MS = { min: 1_000, max: 3_000 };
/** How long a process that crashed on its own stays down (as a supervisor would restart it). */
const CRASH_RESTART_MS = 2_000;
const START_TIMEOUT_MS = 120_000;

/** What one kill did: what was killed, and a way to tell afterwards whether it came back. */
export interface KillOutcome {
  detail: string;
  survived: () => boolean;
}

/**
 * What the chaos run kills and brings back: its redis-server and two
 * `gantry run` processes on one project (the "controller", and the "worker"
 * that joins it on the same queue). A process that exits on its own is a
 * crash: it is recorded in `problems` and started again.
 */
export class ChaosRig {
  readonly redis: KillableRedis;
  readonly processes: readonly GantryProcess[];
  /** What went wrong besides what a kill should cause. */
  readonly problems: string[] = [];
  /** Tasks that ended merged, or failed with a reason: filled in from the final task list, for the container kills' `survived`. */
  readonly ended = new Set<string>();
  readonly #connection: Redis;
  readonly #project: Project;
  readonly #random: () => number;
  readonly #startedAt = Date.now();
  readonly #restarts = new Set<Promise<void>>();
  #run = '';
  #stopping = false;

  /** `random`: the seeded stream that picks pauses and containers. `connection`: a client of `redis`, for checks. */
  constructor(options: { redis: KillableRedis; connection: Redis; project: Project; random: () => number; log: (line: string) => void }) {
    this.redis = options.redis;
    this.#connection = options.connection;
    this.#project = options.project;
    this.#random = options.random;
    const onCrash = (target: GantryProcess, exit: Exit) => {
      this.problems.push(`${target.name} exited on its own (code ${exit.exitCode}, signal ${exit.signal}) ${Math.round((exit.at - this.#startedAt) / 1000)} s into the run`);
      options.log(`${target.name} crashed (code ${exit.exitCode}); starting it again`);
      this.#later(CRASH_RESTART_MS, () => this.#startWhenRedisUp(target));
    };
    this.processes = ['controller', 'worker'].map((name) => new GantryProcess({
      name, configFile: options.project.configFile, cwd: options.project.dir, redisUrl: options.redis.url, logFile: join(options.project.dir, `${name}.log`), onCrash,
    }));
  }

  /** Starts the controller and the worker together (both clone into the state directory they share); returns the run id. */
  async start(): Promise<string> {
    for (const target of this.processes) target.start();
    for (const target of this.processes) {
      if (!(await waitUntil(() => target.readyAt.length > 0, START_TIMEOUT_MS))) throw new Error(`${target.name} did not start; see ${this.#project.dir}/${target.name}.log`);
    }
    this.#run = (await this.#project.run()) ?? '';
    return this.#run;
  }

  /** Kills the target now; undefined when there is nothing to kill (it is down, or no agent runs). */
  kill(target: KillTarget): Promise<KillOutcome | undefined> {
    switch (target) {
      case 'controller': return this.#killProcess(this.#process('controller'));
      case 'worker': return this.#killProcess(this.#process('worker'));
      case 'container': return this.#killContainer();
      case 'redis': return this.#killRedis();
    }
  }

  /** Waits until everything killed is back. */
  async settle(): Promise<void> {
    while (this.#restarts.size > 0) await Promise.all([...this.#restarts]);
  }

  /** SIGTERM to both processes; a non-zero exit is a problem. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await this.settle();
    const exits = await Promise.all(this.processes.map(async (target) => ({ name: target.name, code: await target.stop(timeoutMs) })));
    for (const { name, code } of exits) {
      if (code !== 0) this.problems.push(`${name} did not stop cleanly on SIGTERM (exit ${code ?? `none: killed after ${timeoutMs / 1000} s`})`);
    }
  }

  /** Stops whatever still runs, leaving Redis up (the project's cleanup needs it). */
  async close(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await this.settle();
    if (!this.redis.up) await this.redis.restart();
    for (const target of this.processes) {
      await target.stop(timeoutMs);
      await target.close();
    }
  }

  #process(name: string): GantryProcess {
    const found = this.processes.find((target) => target.name === name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  #pause(): number {
    return PAUSE_MS.min + this.#random() * (PAUSE_MS.max - PAUSE_MS.min);
  }

  #later(delayMs: number, work: () => Promise<void>): void {
    const pending = sleep(delayMs).then(work).catch((error: unknown) => { this.problems.push(`bringing something back failed: ${String(error)}`); });
    this.#restarts.add(pending);
    void pending.finally(() => this.#restarts.delete(pending));
  }

  /** A process comes back once Redis answers: started against a dead Redis, it gives up after 5 s, by design. */
  async #startWhenRedisUp(target: GantryProcess): Promise<void> {
    await waitUntil(() => this.redis.up, 60_000);
    if (!this.#stopping && !target.alive) target.start();
  }

  async #killProcess(target: GantryProcess): Promise<KillOutcome | undefined> {
    if (!target.alive) return undefined;
    const { pid } = target;
    const at = Date.now();
    await target.kill();
    this.#later(this.#pause(), () => this.#startWhenRedisUp(target));
    return { detail: `pid ${pid}`, survived: () => target.readyAt.some((ready) => ready > at) };
  }

  async #killContainer(): Promise<KillOutcome | undefined> {
    const { stdout } = await execa('docker', ['ps', '-q', '--filter', `label=${LABEL.run}=${this.#run}`, '--filter', `label=${LABEL.purpose}=session`]);
    const ids = stdout.split('\n').filter(Boolean);
    const id = ids[Math.floor(this.#random() * ids.length)];
    if (id === undefined) return undefined;
    const task = (await execa('docker', ['inspect', '--format', `{{index .Config.Labels "${LABEL.task}"}}`, id], { reject: false })).stdout.trim();
    // It may have ended in between: then nothing was killed.
    if ((await execa('docker', ['kill', id], { reject: false })).exitCode !== 0) return undefined;
    return { detail: task, survived: () => this.ended.has(task) };
  }

  async #killRedis(): Promise<KillOutcome | undefined> {
    if (!this.redis.up) return undefined;
    await this.redis.kill();
    let survived = false;
    this.#later(this.#pause(), async () => {
      await this.redis.restart();
      // The append-only file was replayed: the run's id is still there.
      survived = (await this.#connection.get(`${this.#project.prefix}:run`)) === this.#run;
    });
    return { detail: 'redis-server', survived: () => survived };
  }
}
