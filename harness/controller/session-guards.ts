import type { AgentAdapter, ProviderGate, SessionReport } from '../agents/index.ts';
import { blockedError } from '../agents/index.ts';
import { GantryError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { TaskAttempt } from '../queue/types.ts';
import type { Journal } from '../reports/index.ts';
import { budgetError, budgetMessage, scopeOf, type BudgetGuard, type Reservation } from './budget-guard.ts';
import type { DiskSpace } from './disk-space.ts';

/** What decides whether a session may start, and learns from how it ended. */
export interface SessionGuards {
  agent: AgentAdapter;
  providers: ProviderGate;
  budget: BudgetGuard;
  /** The state directory's free space: a session writes its work tree and log there. */
  disk: DiskSpace;
  journal: Journal;
  logger: Logger;
}

/**
 * Before a session: checks the state directory has room, waits out its
 * provider's backoff, then reserves its place in the budgets (`perTaskUsd`:
 * the task's limit, which its role may set). Throws DISK_FULL or
 * PROVIDER_BLOCKED (either parks the task), BUDGET_REACHED (journaled once
 * per budget), or SHUTDOWN_TIMEOUT when the attempt is aborted while waiting.
 */
export async function admitSession(guards: SessionGuards, attempt: TaskAttempt, session: number, perTaskUsd: number | undefined): Promise<Reservation> {
  const { task } = attempt;
  await guards.disk.requireSpace();
  try {
    await guards.providers.waitTurn(guards.agent.provider, attempt.signal);
  } catch (error) {
    if (!attempt.signal.aborted) throw error;
    throw new GantryError('SHUTDOWN_TIMEOUT', `task ${task.id}: stopped by shutdown while session ${session} waited for its provider`, { retryable: true, cause: error });
  }
  const admission = await guards.budget.admit({ task: task.id, role: task.role, ...(perTaskUsd === undefined ? {} : { perTaskUsd }) });
  if (admission.admitted) return admission.reservation;
  const { reached } = admission;
  if (admission.first) {
    await guards.journal.append({ type: 'budget.reached', ...scopeOf(reached), limitUsd: reached.limitUsd, spentUsd: reached.spentUsd, task: task.id });
    guards.logger.warn(`${budgetMessage(reached)}; sessions in its scope no longer start, running ones finish`);
  }
  throw budgetError(reached);
}

/**
 * After a session: tells the provider gate what the session reported. A new
 * backoff is journaled; a refused key is journaled and logged once, as an
 * error a person must act on.
 */
export async function settleProvider(guards: SessionGuards, attempt: TaskAttempt, report: SessionReport, startedAt: Date): Promise<void> {
  const task = attempt.task.id;
  const verdict = await guards.providers.settle(guards.agent.provider, report, startedAt.getTime());
  if (verdict.backoffUntil !== undefined) {
    const until = new Date(verdict.backoffUntil).toISOString();
    await guards.journal.append({ type: 'provider.backoff', provider: verdict.provider, until, task });
    guards.logger.warn({ provider: verdict.provider, until }, 'provider rate-limited a session; every session of it waits');
  }
  if (verdict.blocked) {
    await guards.journal.append({ type: 'provider.auth', provider: verdict.blocked.provider, message: verdict.blocked.message, task });
    guards.logger.error({ provider: verdict.blocked.provider }, blockedError(verdict.blocked).message);
  }
}
