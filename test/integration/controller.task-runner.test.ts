import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, ProviderGate } from '../../harness/agents/index.ts';
import { loadConfig } from '../../harness/config/index.ts';
import { BudgetGuard, createTaskRunner, DiskSpace } from '../../harness/controller/index.ts';
import { ActiveBranches } from '../../harness/controller/active-branches.ts';
import type { BaselineStore, MergeQueue } from '../../harness/gate/index.ts';
import { Fence, TaskLedger, type TaskAttempt } from '../../harness/queue/index.ts';
import { FileJournal, readJournal } from '../../harness/reports/index.ts';
import { FakeRuntime } from '../../harness/runtime/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const task = { id: 'task-1', text: 'note a', role: 'core', files: [], source: 'manual', createdAt: '2025-01-01T00:00:00.000Z' };

describe('the task runner and the fencing token', () => {
  const ctx = useRedisPrefix();
  const git = useControllerRepo({ 'README.md': 'hello\n' });
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-runner-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs attempt 1 of 1 holding fencing token 1, after `taken` tokens were handed out; its one session commits nothing. */
  async function lastAttemptWithoutCommit(taken: number) {
    await writeFile(join(dir, 'gantry.yaml'), stringify({
      repo: { url: git.upstream.url }, stateDir: dir, agent: { kind: 'command', command: 'true' }, gate: { command: 'true' },
      limits: { sessions: 1, retries: 0 }, queue: { prefix: ctx.prefix },
    }));
    const config = await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: ctx.url } });
    const logger = pino({ level: 'silent' });
    const fence = new Fence(ctx.redis, ctx.prefix);
    for (let i = 0; i < taken; i += 1) await fence.next(task.id);
    const ledger = new TaskLedger(ctx.redis, ctx.prefix);
    const journal = new FileJournal(join(dir, 'journal.jsonl'), 'run-1');
    const runner = createTaskRunner({
      config, runtime: new FakeRuntime(), repo: git.repo, agentFor, logger, journal, ledger, fence,
      providers: new ProviderGate(ctx.redis, ctx.prefix),
      budget: new BudgetGuard({ redis: ctx.redis, prefix: ctx.prefix, run: 'run-1', budget: config.budget, sessionTimeoutMs: 10_000 }),
      disk: new DiskSpace({ dir, minFreeBytes: 0, logger }),
      // Never reached past these: the attempt ends before the gate.
      merges: { alreadyMerged: async () => undefined } as unknown as MergeQueue,
      baselines: { latest: async () => undefined } as unknown as BaselineStore,
      branches: new ActiveBranches(ctx.redis, ctx.prefix, git.repo, 60_000),
    });
    const attempt: TaskAttempt = { task, attempt: 1, maxAttempts: 1, fence: 1, signal: new AbortController().signal };
    const error = await runner(attempt).catch((e: unknown) => e);
    const failed = (await readJournal(journal.file)).filter((event) => event.type === 'attempt.failed');
    return { error, failed, failures: await ledger.failures(task.id), workTree: join(git.stateDir, 'work', task.id) };
  }

  it('when the attempt still holds the task, its last failure is final: journaled, recorded, the work tree archived', async () => {
    const { error, failed, failures, workTree } = await lastAttemptWithoutCommit(1);

    expect(error).toMatchObject({ code: 'AGENT_FAILED' });
    expect(failed).toEqual([expect.objectContaining({ task: task.id, final: true })]);
    expect(failures).toHaveLength(1);
    expect(existsSync(workTree)).toBe(false);
  });

  it('when a newer attempt took the task meanwhile, the stale one ends STALE_LEASE: no failure recorded, the work tree left to the newer attempt', async () => {
    const { error, failed, failures, workTree } = await lastAttemptWithoutCommit(2);

    expect(error).toMatchObject({ code: 'STALE_LEASE' });
    expect(failed).toEqual([]);
    expect(failures).toEqual([]);
    expect(existsSync(workTree)).toBe(true);
  });
});
