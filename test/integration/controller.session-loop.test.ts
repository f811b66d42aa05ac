import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, ProviderGate } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';
import { BudgetGuard, DiskSpace } from '../../harness/controller/index.ts';
import { runSessions, type SessionLoopInput } from '../../harness/controller/session-loop.ts';
import { isGantryError } from '../../harness/errors.ts';
import { TaskLedger, type TaskAttempt } from '../../harness/queue/index.ts';
import { FileJournal, readJournal, type JournalEvent } from '../../harness/reports/index.ts';
import { FakeRuntime, type ScriptedOutcome } from '../../harness/runtime/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const task = { id: 'task-1', text: 'note a', role: 'core', files: [], source: 'manual', createdAt: '2025-01-01T00:00:00.000Z' };
const result = (fields: Record<string, unknown>) => `${JSON.stringify({ type: 'gantry.result', provider: 'anthropic', ...fields })}\n`;

describe('runSessions with session reports', () => {
  const ctx = useRedisPrefix();
  let dir: string;
  let errors: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-loop-'));
    await mkdir(join(dir, 'work'));
    errors = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A loop whose sessions play `script` in turn (the last one repeats); `done` sessions write the done file. */
  async function loop(script: Array<ScriptedOutcome & { done?: boolean }>, options: { sessions?: number; budget?: GantryConfig['budget']; minFreeBytes?: number } = {}) {
    await writeFile(join(dir, 'gantry.yaml'), stringify({
      repo: { url: dir }, agent: { kind: 'command', command: 'true' }, gate: { command: 'true' },
      limits: { sessions: options.sessions ?? 3 }, queue: { prefix: ctx.prefix },
    }));
    const config = { ...await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: ctx.url } }), ...(options.budget ? { budget: options.budget } : {}) };
    let played = 0;
    const runtime = new FakeRuntime({
      script: async () => {
        const step = script[Math.min(played, script.length - 1)] ?? {};
        played += 1;
        if (step.done) await writeFile(join(dir, 'work', '.gantry', 'done'), 'done\n');
        return step;
      },
    });
    await mkdir(join(dir, 'work', '.gantry'), { recursive: true });
    const journal = new FileJournal(join(dir, 'journal.jsonl'), 'run-1');
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const attempt: TaskAttempt = { task, attempt: 1, maxAttempts: 2, fence: 1, signal: new AbortController().signal };
    const input: SessionLoopInput = {
      config, runtime, agent: agentFor(config), journal, logger, attempt,
      providers: new ProviderGate(ctx.redis, ctx.prefix, { baseMs: 300, maxMs: 1_000, jitterMs: 50 }),
      budget: new BudgetGuard({ redis: ctx.redis, prefix: ctx.prefix, run: 'run-1', budget: config.budget, sessionTimeoutMs: 10_000 }),
      disk: new DiskSpace({ dir, minFreeBytes: options.minFreeBytes ?? 0, logger }),
      ledger: new TaskLedger(ctx.redis, ctx.prefix),
      workspace: { taskId: task.id, branch: `gantry/${task.id}`, path: join(dir, 'work') },
      dir: join(dir, 'attempt-1'),
      deadline: Date.now() + 60_000,
    };
    const events = async (type: JournalEvent['type']) => (await readJournal(journal.file).catch(() => [])).filter((e) => e.type === type);
    return { input, events, ledger: input.ledger, budget: input.budget, played: () => played };
  }

  it('when the state directory has less free space than limits.minFreeDisk, no session starts: a retryable DISK_FULL naming the directory and the setting', async () => {
    const { input, played } = await loop([{ done: true }], { minFreeBytes: Number.MAX_SAFE_INTEGER });

    const error = await runSessions(input).catch((e: unknown) => e);

    expect(isGantryError(error) && [error.code, error.retryable]).toEqual(['DISK_FULL', true]);
    expect((error as Error).message).toContain(`state directory ${dir}`);
    expect((error as Error).message).toContain('limits.minFreeDisk');
    expect(played()).toBe(0);
    expect(errors.join('')).toContain('paused');
  });

  it('when sessions report costs, the ledger and the journal carry each session\'s usage and the budget store sums them', async () => {
    const { input, events, ledger, budget } = await loop([
      { output: result({ costUsd: 0.125, inputTokens: 1000, outputTokens: 200 }) },
      { output: result({ costUsd: 0.5, inputTokens: 3000, outputTokens: 400 }), done: true },
    ]);
    expect(await runSessions(input)).toEqual({ done: true, sessions: 2 });
    expect((await ledger.sessions(task.id)).map((s) => [s.end, s.costUsd])).toEqual([['continue', 0.125], ['done', 0.5]]);
    expect((await events('session.ended')).map((e) => e.type === 'session.ended' && [e.provider, e.costUsd, e.inputTokens, e.outputTokens])).toEqual([
      ['anthropic', 0.125, 1000, 200], ['anthropic', 0.5, 3000, 400],
    ]);
    expect(await budget.spend()).toMatchObject({ run: 0.625, tasks: { [task.id]: 0.625 }, roles: { core: 0.625 } });
  });

  it('when a session is rate-limited, the next waits out the backoff and the rate-limited one does not count toward the session limit', async () => {
    const { input, events, ledger } = await loop([
      { exitCode: 1, output: result({ end: 'rate-limited', message: '429' }) },
      { exitCode: 1, output: result({ end: 'rate-limited', message: '429' }) },
      { output: result({ costUsd: 0.1 }), done: true },
    ], { sessions: 1 });
    expect(await runSessions(input)).toEqual({ done: true, sessions: 1 });
    const sessions = await ledger.sessions(task.id);
    expect(sessions.map((s) => s.end)).toEqual(['rate-limited', 'rate-limited', 'done']);
    const backoffs = await events('provider.backoff');
    expect(backoffs).toHaveLength(2);
    // Each session after a backoff started once it was over.
    for (const [index, backoff] of backoffs.entries()) {
      const next = sessions[index + 1];
      expect(backoff.type === 'provider.backoff' && Date.parse(next?.startedAt ?? '') >= Date.parse(backoff.until)).toBe(true);
    }
  });

  it('when a provider rate-limits every session, the attempt ends retryably after the cap', async () => {
    const { input, ledger } = await loop([{ exitCode: 1, output: result({ end: 'rate-limited' }) }]);
    input.providers = new ProviderGate(ctx.redis, ctx.prefix, { baseMs: 1, maxMs: 2, jitterMs: 1 });
    const error = await runSessions(input).catch((e: unknown) => e);
    expect(isGantryError(error) && [error.code, error.retryable]).toEqual(['AGENT_FAILED', true]);
    expect((error as Error).message).toMatch(/provider anthropic rate-limited 20 sessions of this attempt/);
    expect(await ledger.sessions(task.id)).toHaveLength(20);
  });

  it('when a session reports a refused key, the provider is blocked, journaled and logged once, and the attempt is parked, not failed', async () => {
    const { input, events } = await loop([{ exitCode: 1, output: result({ end: 'auth', message: 'invalid x-api-key' }) }]);
    const error = await runSessions(input).catch((e: unknown) => e);
    expect(isGantryError(error) && [error.code, error.retryable]).toEqual(['PROVIDER_BLOCKED', true]);
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY/);
    expect(await events('provider.auth')).toMatchObject([{ provider: 'anthropic', message: 'invalid x-api-key', task: task.id }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/provider anthropic refused the key \(invalid x-api-key\): fix ANTHROPIC_API_KEY in agent.env and start gantry again; its tasks wait, none is failed/);

    // The next attempt of any task refuses to start a session at all.
    const again = await runSessions(input).catch((e: unknown) => e);
    expect(isGantryError(again) && again.code).toBe('PROVIDER_BLOCKED');
    expect(await events('session.started')).toHaveLength(1);
    expect(await events('provider.auth')).toHaveLength(1);
  });

  it('when a session reports an error but exits 0, the done file decides (the CLI ended cleanly)', async () => {
    const { input, ledger } = await loop([
      { output: result({ end: 'error', message: 'max turns' }) },
      { output: result({ end: 'error', message: 'max turns' }), done: true },
    ]);
    expect(await runSessions(input)).toEqual({ done: true, sessions: 2 });
    expect((await ledger.sessions(task.id)).map((s) => s.end)).toEqual(['continue', 'done']);
  });

  it('when the task\'s budget is spent, no further session starts and BUDGET_REACHED names the budget', async () => {
    const { input, events, ledger } = await loop([{ output: result({ costUsd: 0.75 }) }], { sessions: 5, budget: { perTask: 1, perRole: {} } });
    const error = await runSessions(input).catch((e: unknown) => e);
    expect(isGantryError(error) && [error.code, error.retryable]).toEqual(['BUDGET_REACHED', false]);
    expect((error as Error).message).toBe(`budget of task ${task.id} $1.00 reached ($1.50 spent): raise budget.perTask (or limits.dollars in the task's role file) to go on`);
    expect(await ledger.sessions(task.id)).toHaveLength(2);
    expect(await events('budget.reached')).toMatchObject([{ scope: 'task', task: task.id, limitUsd: 1, spentUsd: 1.5 }]);
  });
});
