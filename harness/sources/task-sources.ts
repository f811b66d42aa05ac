import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { messageOf } from '../errors.ts';
import type { BaselineStore } from '../gate/baseline.ts';
import { runTests, type TestRunResult } from '../gate/test-run.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { Logger } from '../log.ts';
import type { TaskQueue } from '../queue/types.ts';
import type { Journal } from '../reports/journal.ts';
import type { Role } from '../roles/types.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { shellQuote } from '../gate/shell-quote.ts';
import { benchmark } from './benchmark.ts';
import { duplicates } from './duplicates.ts';
import { failingTests } from './failing-tests.ts';
import { review } from './review.ts';
import type { TaskSource } from './source-schema.ts';
import { staleDocs } from './stale-docs.ts';
import type { CommandOutcome, SourceInput, SourceOutput } from './types.ts';

/**
 * Runs the task sources of the roles `roles.sources` names while the
 * controller runs: each looks at main when it moves (failing tests after
 * every move, the others after their `everyMerges`, and each once on its
 * first start) and queues tasks, one per subject. What each source last saw
 * is kept in Redis, so a restarted controller neither repeats a run nor
 * misses the merges made while it was down.
 */

export interface TaskSourcesDeps {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  redis: Redis;
  queue: Pick<TaskQueue, 'add' | 'list' | 'withdraw'>;
  baselines: BaselineStore;
  journal: Journal;
  logger: Logger;
  /** @defaultValue 5000 */
  pollMs?: number;
}

interface SourceState {
  /** Main's commit at the last run. */
  commit: string;
  memo?: unknown;
}

/** Output the sources read beyond this is not theirs to read (a runaway command). */
const MAX_OUTPUT = 1024 * 1024;

function runSource(source: TaskSource, input: SourceInput): Promise<SourceOutput> {
  switch (source.kind) {
    case 'failing-tests': return failingTests(source, input);
    case 'duplicates': return duplicates(source, input);
    case 'benchmark': return benchmark(source, input);
    case 'review': return review(source, input);
    case 'stale-docs': return staleDocs(source, input);
  }
}

/** Failing tests follow main at every move; the scheduled sources wait for their number of merges. */
function isDue(source: TaskSource, merges: number): boolean {
  return source.kind === 'failing-tests' ? merges > 0 : merges >= source.everyMerges;
}

export class TaskSources {
  readonly #deps: TaskSourcesDeps;
  readonly #roles: Array<Role & { source: TaskSource }>;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;
  #stopped = false;
  #commandRuns = 0;
  /** Main's head at the last finished look, whatever came of it. */
  #lookedAt: string | undefined;

  constructor(deps: TaskSourcesDeps) {
    this.#deps = deps;
    const { roles } = deps.config.roles;
    this.#roles = deps.config.roles.sources.flatMap((name) => {
      const role = roles[name];
      return role?.source && role.count !== 0 ? [{ ...role, source: role.source }] : [];
    });
  }

  start(): void {
    if (this.#roles.length === 0) return;
    this.#timer ??= setInterval(() => this.#poll(), this.#deps.pollMs ?? 5_000);
    this.#poll();
  }

  /** Stops polling and waits for a run under way (its result is kept only if it finished). */
  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#busy;
  }

  /**
   * Whether every source has looked at main as it is now: until then a run
   * that waits for idle must not stop (a source may be about to queue tasks).
   */
  async caughtUp(): Promise<boolean> {
    return this.#roles.length === 0 || this.#stopped || (this.#busy === undefined && this.#lookedAt === (await this.#deps.repo.mainHead()));
  }

  /** One look at main at `head` by every source that is due. */
  async runOnce(head: string): Promise<void> {
    const dir = join(this.#deps.config.stateDir, 'sources');
    let exported: Promise<string> | undefined;
    const tree = () => {
      exported ??= (async () => {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        await this.#deps.repo.exportTree(head, join(dir, 'main'));
        return join(dir, 'main');
      })();
      return exported;
    };
    try {
      for (const role of this.#roles) {
        if (this.#stopped) return;
        await this.#runRole(role, head, tree);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #poll(): void {
    if (this.#busy || this.#stopped) return;
    this.#busy = (async () => {
      const head = await this.#deps.repo.mainHead();
      try {
        await this.runOnce(head);
      } finally {
        // A failed look is not repeated on the same main (it would fail the same way): the next move tries again.
        this.#lookedAt = head;
      }
    })()
      .catch((error: unknown) => this.#deps.logger.error({ err: messageOf(error) }, 'task sources could not look at main'))
      .finally(() => {
        this.#busy = undefined;
      });
  }

  async #runRole(role: Role & { source: TaskSource }, head: string, tree: () => Promise<string>): Promise<void> {
    const { redis, repo, journal, logger, config } = this.#deps;
    const stateKey = `${config.queue.prefix}:sources`;
    const stored = await redis.hget(stateKey, role.name);
    const state = stored === null ? undefined : (JSON.parse(stored) as SourceState);
    if (state?.commit === head) return;
    const commits = state ? await repo.mainCommitsSince(state.commit, head) : [];
    if (state && !isDue(role.source, commits.length)) return;
    const started = Date.now();
    const kind = role.source.kind;
    let output: SourceOutput;
    try {
      output = await runSource(role.source, {
        role, head, commits, tree,
        ...(state?.memo === undefined ? {} : { memo: state.memo }),
        runOnMain: (command, env) => this.#runOnMain(role.name, head, command, env),
        suiteOnMain: () => this.#suiteOnMain(head),
        tasks: async () => (await this.#deps.queue.list()).filter((record) => record.task.role === role.name),
      });
    } catch (error) {
      const reason = messageOf(error);
      logger.error({ role: role.name, kind, commit: head, err: reason }, 'task source failed');
      await journal.append({ type: 'source.failed', role: role.name, kind, commit: head, reason });
      // Not retried on this commit: the same main gives the same failure; the next move tries again.
      await redis.hset(stateKey, role.name, JSON.stringify({ commit: head, ...(state?.memo === undefined ? {} : { memo: state.memo }) } satisfies SourceState));
      return;
    }
    const queued: string[] = [];
    for (const spec of output.tasks) {
      const { task, created } = await this.#deps.queue.add({ ...spec, role: role.name, source: kind });
      if (!created) continue;
      queued.push(task.id);
      await journal.append({ type: 'task.queued', task: task.id, role: task.role, text: task.text });
    }
    const withdrawn: string[] = [];
    for (const { taskId, reason } of output.withdraw ?? []) {
      if (!(await this.#deps.queue.withdraw(taskId))) continue;
      withdrawn.push(taskId);
      await journal.append({ type: 'task.withdrawn', task: taskId, reason });
    }
    await redis.hset(stateKey, role.name, JSON.stringify({ commit: head, ...(output.memo === undefined ? {} : { memo: output.memo }) } satisfies SourceState));
    await journal.append({ type: 'source.ran', role: role.name, kind, commit: head, queued, withdrawn, durationMs: Date.now() - started });
    if (queued.length + withdrawn.length > 0) logger.info({ role: role.name, kind, commit: head, queued: queued.length, withdrawn: withdrawn.length }, 'task source ran');
  }

  async #runOnMain(role: string, head: string, command: string, env: Record<string, string> = {}): Promise<CommandOutcome> {
    this.#commandRuns += 1;
    const logFile = join(this.#deps.config.stateDir, 'runs', this.#deps.journal.run, 'sources', `${role}-${this.#commandRuns}.log`);
    const exports = Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
    const outcome = await this.#runTests(head, logFile, `${exports}${command}`);
    const output = (await readFile(logFile, 'utf8').catch(() => '')).slice(0, MAX_OUTPUT);
    return { exitCode: outcome.exitCode, timedOut: outcome.timedOut, output };
  }

  /** Main's full-suite results: the gate's stored run of this commit, or a run of our own (stored for the gate). */
  async #suiteOnMain(head: string): Promise<TestRunResult> {
    const stored = await this.#deps.baselines.load(head);
    if (stored) {
      const failed = stored.tests.some((test) => test.status === 'failed');
      return { exitCode: failed ? 1 : 0, timedOut: false, oomKilled: false, durationMs: stored.durationMs, outputTail: '', results: stored };
    }
    const logFile = join(this.#deps.config.stateDir, 'runs', this.#deps.journal.run, 'sources', `suite-${head.slice(0, 12)}.log`);
    const outcome = await this.#runTests(head, logFile);
    if (outcome.results) await this.#deps.baselines.save(head, outcome.results);
    return outcome;
  }

  #runTests(commit: string, logFile: string, command?: string): Promise<TestRunResult> {
    const { config, runtime, repo, journal } = this.#deps;
    return runTests({ config, runtime, repo, run: journal.run, label: 'sources', commit, logFile, ...(command === undefined ? {} : { command }) });
  }
}
