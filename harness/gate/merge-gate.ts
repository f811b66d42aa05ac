import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { GantryError, GateError, isGantryError } from '../errors.ts';
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
import { mergedOutcome, refusedOutcome, type MergeOutcome } from './merge-outcome.ts';
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

export interface MergeGateDeps {
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

/** What one gate round decided: an outcome per judged request, and the requests to gate again. */
export interface GateRound<R extends MergeRequest> {
  outcomes: Array<{ request: R; outcome: MergeOutcome }>;
  /** Untested behind a rejected branch: first in line for the next round, on the new main. */
  deferred: R[];
}

function mergeMessage(taskId: string): string {
  return `Merge task ${taskId}\n\nGantry-Task: ${taskId}\n`;
}

function rejectionError(rejection: Rejection<MergeRequest>): GantryError {
  const { taskId } = rejection.candidate;
  if (rejection.kind === 'conflict') {
    return new GantryError('MERGE_CONFLICT', `task ${taskId}: the branch conflicts with main in ${rejection.files.join(', ')}; bring the branch up to date with main and resolve them`, {
      retryable: true,
      data: { conflicts: rejection.files },
    });
  }
  return new GateError('GATE_FAILED', `task ${taskId}: the tests failed on the branch merged with main: ${rejection.detail}`, { retryable: true });
}

/**
 * The gate: a batch of branches goes in together (see batch.ts), judged by
 * the full suite with main's copies of the trusted test files
 * (judge-run.ts). A round runs under a Redis lock, so controllers sharing a
 * queue never move main at once; under it, a stale attempt (older fencing
 * token) is refused and a task already merged is never merged again. Each
 * task's merge commit is recorded as "merging" before main moves, so a crash
 * between the two is recognised later.
 */
export class MergeGate {
  readonly #deps: MergeGateDeps;
  #rounds = 0;

  constructor(deps: MergeGateDeps) {
    this.#deps = deps;
  }

  /**
   * How many waiting branches the next round should take: it follows the
   * share of branches rejected for their tests, counted in Redis so every
   * controller sizes batches from the same history.
   */
  async batchSize(): Promise<number> {
    const [accepted, rejected] = await this.#deps.redis.hmget(this.#statsKey(), 'accepted', 'rejected');
    return batchSizeFor({ accepted: Number(accepted ?? 0), rejected: Number(rejected ?? 0) });
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

  /** Gates the requests in order. Throws (deciding nothing) when main could not be moved. */
  async run<R extends MergeRequest>(requests: readonly R[]): Promise<GateRound<R>> {
    const { config, repo, ledger } = this.#deps;
    const round: GateRound<R> = { outcomes: [], deferred: [] };
    const lockKey = `${config.queue.prefix}:lock:merge`;
    // The lock is renewed while held, so a crashed holder blocks others for one lease at most.
    await withLock(this.#deps.redis, lockKey, { ttlMs: config.queue.leaseMs, waitMs: config.gate.timeoutMs * 4 }, async () => {
      const base = await repo.syncMain();
      const live = await this.#screenTestChanges(base, await this.#admit(requests, round), round);
      if (live.length === 0) return;
      this.#rounds += 1;
      const tipResults = new Map<string, SuiteRun>();
      const result = await gateBatch<R>(base, live, this.#ops(base, live.length, tipResults));
      for (const { candidate, commit } of result.accepted) await ledger.markMerging(candidate.taskId, commit);
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
        await ledger.markMerged(candidate.taskId, commit);
        round.outcomes.push({ request: candidate, outcome: mergedOutcome(commit) });
      }
      for (const rejection of result.rejected) round.outcomes.push({ request: rejection.candidate, outcome: refusedOutcome(rejectionError(rejection)) });
      round.deferred.push(...result.deferred);
      const rejectedForTests = result.rejected.filter((r) => r.kind === 'tests').length;
      await this.#deps.redis.multi().hincrby(this.#statsKey(), 'accepted', result.accepted.length).hincrby(this.#statsKey(), 'rejected', rejectedForTests).exec();
      this.#deps.logger.info({ batch: live.length, accepted: result.accepted.length, rejected: result.rejected.length, deferred: result.deferred.length, testRuns: result.runs }, 'gate batch done');
    });
    return round;
  }

  /** Settles the requests that must not be gated (stale attempts, tasks already merged); returns the rest. */
  async #admit<R extends MergeRequest>(requests: readonly R[], round: GateRound<R>): Promise<R[]> {
    const live: R[] = [];
    for (const request of requests) {
      const { taskId, fence: token, attempt } = request;
      if (!(await this.#deps.fence.isCurrent(taskId, token))) {
        round.outcomes.push({ request, outcome: refusedOutcome(new GantryError('STALE_LEASE', `task ${taskId}: attempt ${attempt} lost its lease to a newer attempt; it must not merge`)) });
        continue;
      }
      const merged = await this.alreadyMerged(taskId);
      if (merged) {
        round.outcomes.push({ request, outcome: mergedOutcome(merged) });
        continue;
      }
      try {
        // A worker on another host ingested the branch: it reaches this clone through the upstream.
        await this.#deps.repo.fetchBranch(taskId, request.head);
        live.push(request);
      } catch (error) {
        if (!isGantryError(error)) throw error;
        round.outcomes.push({ request, outcome: refusedOutcome(error) });
      }
    }
    return live;
  }

  /**
   * Branches that change trusted test files: with `deny` they go back; with
   * `review` they are held and a critic task reviews the change; with `allow`
   * they are gated (still judged by main's copies).
   */
  async #screenTestChanges<R extends MergeRequest>(base: string, live: R[], round: GateRound<R>): Promise<R[]> {
    const { config } = this.#deps;
    if (config.gate.testChanges === 'allow') return live;
    const gitDir = join(config.stateDir, 'repo.git');
    const screened: R[] = [];
    const refuse = (request: R, error: GantryError) => round.outcomes.push({ request, outcome: refusedOutcome(error) });
    for (const request of live) {
      const { taskId, head } = request;
      const { changed } = await changedTrustedPaths(gitDir, { base, head, globs: config.gate.trusted });
      if (changed.length === 0 || (await this.#deps.ledger.approved(taskId)) === head) {
        screened.push(request);
        continue;
      }
      const files = changed.map((c) => c.path);
      await this.#deps.journal.append({
        type: 'contained', task: taskId, attempt: request.attempt, kind: 'tests',
        detail: `changes trusted tests or CI files (${files.join(', ')}): judged by main's copies, and ${config.gate.testChanges === 'deny' ? 'refused (gate.testChanges: deny)' : 'held for review'}`,
      });
      if (config.gate.testChanges === 'deny') {
        refuse(request, new GateError('TESTS_CHANGED', `task ${taskId}: the branch changes trusted test files (${files.join(', ')}), which gate.testChanges denies; put them back as they are on main (new test files are welcome)`, { retryable: true, data: { files } }));
        continue;
      }
      await this.#deps.ledger.hold(taskId, head);
      await this.#deps.tasks.add({
        text: `Review the test changes of task ${taskId} (commit ${head}): ${files.join(', ')}. Check that they do not weaken what the tests check; say what you find. A person lets them in with \`gantry review approve ${taskId}\`.`,
        role: 'critic', files, source: 'gate', subject: `review-tests ${taskId} ${head}`,
      });
      refuse(request, new GateError('TESTS_CHANGED', `task ${taskId}: held for review: the branch changes trusted test files (${files.join(', ')}); a critic task reviews the change, and \`gantry review approve ${taskId}\` lets it in`, { data: { files } }));
    }
    return screened;
  }

  #ops<R extends MergeRequest>(base: string, batchSize: number, tipResults: Map<string, SuiteRun>): BatchOps<R> {
    const { config, repo, journal } = this.#deps;
    const roundNumber = this.#rounds;
    let testRun = 0;
    const suite = (commit: string, command?: string) => {
      testRun += 1;
      return runTests({
        config, runtime: this.#deps.runtime, repo, run: journal.run, label: 'batch', commit, trustedFrom: base,
        logFile: join(config.stateDir, 'runs', journal.run, 'gate', `batch-${roundNumber}-run-${testRun}.log`),
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
      async combine(tip, candidates): Promise<Combined<R>> {
        const combined: Combined<R> = { tip, merged: [], conflicted: [] };
        for (const candidate of candidates) {
          const merge = await repo.merge(combined.tip, candidate.head, mergeMessage(candidate.taskId));
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
        for (const { taskId, attempt } of candidates) {
          await journal.append({ type: 'gate.result', task: taskId, attempt, commit, passed: verdict.passed, exitCode: outcome.exitCode, durationMs: outcome.durationMs, batch: batchSize });
        }
        return { passed: verdict.passed, detail: verdict.detail };
      },
    };
  }

  #statsKey(): string {
    return `${this.#deps.config.queue.prefix}:gate:stats`;
  }
}
