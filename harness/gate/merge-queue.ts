import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { GantryError, GateError } from '../errors.ts';
import { changedTrustedPaths } from '../git/index.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { Logger } from '../log.ts';
import { withLock, type Fence, type TaskLedger } from '../queue/index.ts';
import type { TaskQueue } from '../queue/types.ts';
import type { Journal } from '../reports/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import type { BaselineStore } from './baseline.ts';
import { batchSizeFor, gateBatch, type BatchOps, type Combined, type Rejection } from './batch.ts';
import type { FlakeStore } from './flakes.ts';
import { judgeRun } from './judge-run.ts';
import type { SuiteRun, TestCase } from './results/index.ts';
import { selectionCommand } from './sample.ts';
import { runTests } from './test-run.ts';

/** A branch asking to go into main: the task's ingested head and the attempt's fencing token. */
export interface MergeRequest {
  taskId: string;
  attempt: number;
  fence: number;
  head: string;
}

export interface MergeQueueDeps {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  redis: Redis;
  fence: Fence;
  ledger: TaskLedger;
  baselines: BaselineStore;
  flakes: FlakeStore;
  /** Where review tasks for changed tests go (`gate.testChanges: review`). */
  tasks: Pick<TaskQueue, 'add'>;
  journal: Journal;
  logger: Logger;
}

interface Waiting {
  request: MergeRequest;
  resolve: (commit: string) => void;
  reject: (error: unknown) => void;
}

function mergeMessage(taskId: string): string {
  return `Merge task ${taskId}\n\nGantry-Task: ${taskId}\n`;
}

function rejectionError(rejection: Rejection<Waiting>): GantryError {
  const { taskId } = rejection.candidate.request;
  if (rejection.kind === 'conflict') {
    return new GantryError('MERGE_CONFLICT', `task ${taskId}: the branch conflicts with main in ${rejection.files.join(', ')}; bring the branch up to date with main and resolve them`, {
      retryable: true,
      data: { conflicts: rejection.files },
    });
  }
  return new GateError('GATE_FAILED', `task ${taskId}: the tests failed on the branch merged with main: ${rejection.detail}`, { retryable: true });
}

/**
 * The gate: branches that finish while a gate run is busy wait here and go in
 * together as one batch (see batch.ts), judged by the full suite with main's
 * copies of the trusted test files (judge-run.ts). A batch runs under a Redis
 * lock, so controllers sharing a queue never move main at once; under it, a
 * stale attempt (older fencing token) is refused and a task already merged is
 * never merged again. Each task's merge commit is recorded as "merging"
 * before main moves, so a crash between the two is recognised later.
 */
export class MergeQueue {
  readonly #deps: MergeQueueDeps;
  #waiting: Waiting[] = [];
  #draining: Promise<void> | undefined;
  #batches = 0;
  /** Branches the gate let in and rejected for their tests: the batch size follows their ratio. */
  readonly #stats = { accepted: 0, rejected: 0 };

  constructor(deps: MergeQueueDeps) {
    this.#deps = deps;
  }

  /** Resolves with the task's merge commit once it is in main; rejects with why it was not let in. */
  submit(request: MergeRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      this.#draining ??= this.#drain().finally(() => {
        this.#draining = undefined;
      });
    });
  }

  /**
   * The task's merge commit if it is already in main: recorded as merged, or
   * recorded as merging by a controller that crashed after moving main.
   */
  async alreadyMerged(taskId: string): Promise<string | undefined> {
    const { repo, ledger } = this.#deps;
    const merged = await ledger.merged(taskId);
    if (merged) return merged;
    const interrupted = await ledger.merging(taskId);
    if (!interrupted || !(await repo.isAncestor(interrupted, await repo.mainHead()))) return undefined;
    await repo.pushMain();
    await ledger.markMerged(taskId, interrupted);
    return interrupted;
  }

  async #drain(): Promise<void> {
    // Let branches submitted in the same moment join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, batchSizeFor(this.#stats));
      try {
        await this.#gate(batch);
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
  }

  async #gate(batch: Waiting[]): Promise<void> {
    const { config, repo, ledger } = this.#deps;
    const lockKey = `${config.queue.prefix}:lock:merge`;
    // The lock is renewed while held, so a crashed holder blocks others for one lease at most.
    await withLock(this.#deps.redis, lockKey, { ttlMs: config.queue.leaseMs, waitMs: config.gate.timeoutMs * 4 }, async () => {
      const base = await repo.syncMain();
      const live = await this.#screenTestChanges(base, await this.#admit(batch));
      if (live.length === 0) return;
      this.#batches += 1;
      const tipResults = new Map<string, SuiteRun>();
      const result = await gateBatch(base, live, this.#ops(base, live.length, tipResults));
      for (const { candidate, commit } of result.accepted) await ledger.markMerging(candidate.request.taskId, commit);
      if (result.head !== base) {
        if (!(await repo.compareAndSwapMain(result.head, base))) {
          throw new GantryError('MERGE_RACE', 'main moved while the gate held the merge lock; the batch is tried again', { retryable: true });
        }
        try {
          await repo.pushMain();
        } catch (error) {
          await repo.compareAndSwapMain(base, result.head);
          throw error;
        }
        const baseline = tipResults.get(result.head);
        if (baseline) await this.#deps.baselines.save(result.head, baseline);
      }
      for (const { candidate, commit } of result.accepted) {
        await ledger.markMerged(candidate.request.taskId, commit);
        candidate.resolve(commit);
      }
      for (const rejection of result.rejected) rejection.candidate.reject(rejectionError(rejection));
      // Untested behind a rejected branch: first in line for the next batch, on the new main.
      this.#waiting.unshift(...result.deferred);
      this.#stats.accepted += result.accepted.length;
      this.#stats.rejected += result.rejected.filter((r) => r.kind === 'tests').length;
      this.#deps.logger.info({ batch: live.length, accepted: result.accepted.length, rejected: result.rejected.length, deferred: result.deferred.length, testRuns: result.runs }, 'gate batch done');
    });
  }

  /** Drops (settling them) the requests that must not be gated: stale attempts and tasks already merged. */
  async #admit(batch: Waiting[]): Promise<Waiting[]> {
    const live: Waiting[] = [];
    for (const waiting of batch) {
      const { taskId, fence: token, attempt } = waiting.request;
      if (!(await this.#deps.fence.isCurrent(taskId, token))) {
        waiting.reject(new GantryError('STALE_LEASE', `task ${taskId}: attempt ${attempt} lost its lease to a newer attempt; it must not merge`));
        continue;
      }
      const merged = await this.alreadyMerged(taskId);
      if (merged) waiting.resolve(merged);
      else live.push(waiting);
    }
    return live;
  }

  /**
   * Branches that change trusted test files: with `deny` they go back; with
   * `review` they are held and a critic task reviews the change; with `allow`
   * they are gated (still judged by main's copies).
   */
  async #screenTestChanges(base: string, live: Waiting[]): Promise<Waiting[]> {
    const { config } = this.#deps;
    if (config.gate.testChanges === 'allow') return live;
    const gitDir = join(config.stateDir, 'repo.git');
    const screened: Waiting[] = [];
    for (const waiting of live) {
      const { taskId, head } = waiting.request;
      const { changed } = await changedTrustedPaths(gitDir, { base, head, globs: config.gate.trusted });
      if (changed.length === 0 || (await this.#deps.ledger.approved(taskId)) === head) {
        screened.push(waiting);
        continue;
      }
      const files = changed.map((c) => c.path);
      if (config.gate.testChanges === 'deny') {
        waiting.reject(new GateError('TESTS_CHANGED', `task ${taskId}: the branch changes trusted test files (${files.join(', ')}), which gate.testChanges denies; put them back as they are on main (new test files are welcome)`, { retryable: true, data: { files } }));
        continue;
      }
      await this.#deps.ledger.hold(taskId, head);
      await this.#deps.tasks.add({
        text: `Review the test changes of task ${taskId} (commit ${head}): ${files.join(', ')}. Check that they do not weaken what the tests check; say what you find. A person lets them in with \`gantry review approve ${taskId}\`.`,
        role: 'critic', files, source: 'gate', subject: `review-tests ${taskId} ${head}`,
      });
      waiting.reject(new GateError('TESTS_CHANGED', `task ${taskId}: held for review: the branch changes trusted test files (${files.join(', ')}); a critic task reviews the change, and \`gantry review approve ${taskId}\` lets it in`, { data: { files } }));
    }
    return screened;
  }

  #ops(base: string, batchSize: number, tipResults: Map<string, SuiteRun>): BatchOps<Waiting> {
    const { config, repo, journal } = this.#deps;
    const batchNumber = this.#batches;
    let testRun = 0;
    const suite = (commit: string, command?: string) => {
      testRun += 1;
      return runTests({
        config, runtime: this.#deps.runtime, repo, run: journal.run, label: 'batch', commit, trustedFrom: base,
        logFile: join(config.stateDir, 'runs', journal.run, 'gate', `batch-${batchNumber}-run-${testRun}.log`),
        ...(command ? { command } : {}),
      });
    };
    const baselineAt = async (commit: string): Promise<SuiteRun | undefined> => {
      const stored = await this.#deps.baselines.load(commit);
      if (stored) return stored;
      const results = (await suite(commit)).results;
      if (results) await this.#deps.baselines.save(commit, results);
      return results;
    };
    return {
      async combine(tip, candidates): Promise<Combined<Waiting>> {
        const combined: Combined<Waiting> = { tip, merged: [], conflicted: [] };
        for (const candidate of candidates) {
          const { taskId, head } = candidate.request;
          const merge = await repo.merge(combined.tip, head, mergeMessage(taskId));
          if (merge.ok) {
            combined.tip = merge.commit;
            combined.merged.push({ candidate, commit: merge.commit });
          } else {
            combined.conflicted.push({ candidate, files: merge.conflicts });
          }
        }
        return combined;
      },
      test: async (commit, candidates) => {
        const rerun = async (tests: TestCase[]): Promise<SuiteRun> => {
          const command = config.gate.select ? selectionCommand(config.gate.select, tests) : undefined;
          const outcome = await suite(commit, command);
          if (!outcome.results) throw new GateError('GATE_FAILED', `re-running ${tests.length} failed test(s) left no readable results (${outcome.resultsError ?? 'none'})`, { retryable: true });
          return outcome.results;
        };
        const outcome = await suite(commit);
        const verdict = await judgeRun({ config, flakes: this.#deps.flakes, baselineAt, rerun }, base, outcome);
        if (verdict.passed && verdict.results) tipResults.set(commit, verdict.results);
        for (const candidate of candidates) {
          const { taskId, attempt } = candidate.request;
          await journal.append({ type: 'gate.result', task: taskId, attempt, commit, passed: verdict.passed, exitCode: outcome.exitCode, durationMs: outcome.durationMs, batch: batchSize });
        }
        return { passed: verdict.passed, detail: verdict.detail };
      },
    };
  }
}
