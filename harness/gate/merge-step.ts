import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { GantryError, GateError } from '../errors.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { Fence, TaskLedger } from '../queue/index.ts';
import { withLock } from '../queue/index.ts';
import type { Journal } from '../reports/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import type { Logger } from '../log.ts';
import { runTests } from './test-run.ts';

export interface MergeStepInput {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  redis: Redis;
  fence: Fence;
  ledger: TaskLedger;
  journal: Journal;
  logger: Logger;
  taskId: string;
  attempt: number;
  fenceToken: number;
  /** The ingested branch head. */
  head: string;
  logFile: string;
  signal?: AbortSignal;
}

const MERGE_LOCK_TTL_MS = 60_000;
const MAX_RACES = 5;

function mergeMessage(taskId: string): string {
  return `Merge task ${taskId}\n\nGantry-Task: ${taskId}\n`;
}

/**
 * The first-version gate: merge the branch onto current main, run the tests
 * on the result, and move main by compare-and-swap. Merges are serialized by
 * a Redis lock; under it, a stale attempt (an older fencing token) is refused
 * and an already merged task is never merged again, so at-least-once delivery
 * cannot merge twice. The commit is recorded as "merging" before main moves,
 * so a crash between the two is recognised on the next attempt.
 */
export async function mergeTask(input: MergeStepInput): Promise<string> {
  const { config, repo, ledger, taskId } = input;
  const lockKey = `${config.queue.prefix}:lock:merge`;
  return withLock(input.redis, lockKey, { ttlMs: MERGE_LOCK_TTL_MS, waitMs: config.test.timeoutMs * 2 }, async () => {
    if (!(await input.fence.isCurrent(taskId, input.fenceToken))) {
      throw new GantryError('STALE_LEASE', `task ${taskId}: attempt ${input.attempt} lost its lease to a newer attempt; it must not merge`);
    }
    const already = await ledger.merged(taskId);
    if (already) return already;
    const interrupted = await ledger.merging(taskId);
    if (interrupted && (await repo.isAncestor(interrupted, await repo.mainHead()))) {
      await repo.pushMain();
      await ledger.markMerged(taskId, interrupted);
      return interrupted;
    }
    for (let race = 0; race < MAX_RACES; race += 1) {
      const base = await repo.syncMain();
      const merged = await repo.merge(base, input.head, mergeMessage(taskId));
      if (!merged.ok) {
        throw new GantryError('MERGE_CONFLICT', `task ${taskId}: the branch conflicts with main in ${merged.conflicts.join(', ')}; bring the branch up to date with main and resolve them`, {
          retryable: true,
          data: { conflicts: merged.conflicts },
        });
      }
      const tests = await runTests({ config, runtime: input.runtime, repo, run: input.journal.run, taskId, commit: merged.commit, logFile: input.logFile, ...(input.signal ? { signal: input.signal } : {}) });
      await input.journal.append({ type: 'gate.result', task: taskId, attempt: input.attempt, commit: merged.commit, passed: tests.passed, exitCode: tests.exitCode, durationMs: tests.durationMs });
      if (!tests.passed) {
        const why = tests.timedOut ? `timed out after ${config.test.timeoutMs} ms` : tests.oomKilled ? 'ran out of memory' : `exited with code ${tests.exitCode}`;
        throw new GateError('GATE_FAILED', `task ${taskId}: the tests failed on the branch merged with main (\`${config.test.command}\` ${why}):\n${tests.outputTail}`, { retryable: true });
      }
      await ledger.markMerging(taskId, merged.commit);
      if (!(await repo.compareAndSwapMain(merged.commit, base))) continue;
      try {
        await repo.pushMain();
      } catch (error) {
        // The upstream moved under us: undo the local move and merge again on the new main.
        if (error instanceof GantryError && error.code === 'MERGE_RACE') {
          await repo.compareAndSwapMain(base, merged.commit);
          input.logger.warn({ task: taskId }, 'upstream main moved during the merge; merging again');
          continue;
        }
        throw error;
      }
      await ledger.markMerged(taskId, merged.commit);
      return merged.commit;
    }
    throw new GantryError('MERGE_RACE', `task ${taskId}: main kept moving during ${MAX_RACES} merge tries`, { retryable: true });
  });
}
