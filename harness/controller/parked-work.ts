import type { ProviderBlock, ProviderGate } from '../agents/index.ts';
import { blockedError } from '../agents/index.ts';
import { GantryError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ParkedTask, ParkedTasks, TaskQueue } from '../queue/index.ts';
import { budgetMessage, type BudgetGuard, type BudgetReached } from './budget-guard.ts';

/** What stood in the way when the run went idle; all empty when every task ended on its own. */
export interface IdleOutcome {
  /** Providers whose key was refused; their tasks are parked. */
  blocked: ProviderBlock[];
  parked: ParkedTask[];
  /** Budgets reached in this run; the tasks they stopped failed with BUDGET_REACHED. */
  budgets: BudgetReached[];
}

export const NOTHING_IN_THE_WAY: IdleOutcome = { blocked: [], parked: [], budgets: [] };

/**
 * A starting controller takes refused keys to be fixed (a person fixed the
 * key and restarted): it lifts every provider block and wakes the tasks
 * parked behind one.
 */
export async function liftBlocks(providers: ProviderGate, parked: ParkedTasks, logger: Logger): Promise<void> {
  const lifted = await providers.clearBlocks();
  const woken = await parked.wakeAll();
  if (lifted.length > 0 || woken > 0) logger.warn({ providers: lifted, tasks: woken }, 'lifted provider blocks left by an earlier run; parked tasks run again');
}

/**
 * Whether a run has nothing left it can do: no task runs, and every task not
 * ended is parked behind a blocked provider (those wait for a person, so
 * `gantry run --until-idle` must not wait for them).
 */
export class IdleWatch {
  readonly #queue: TaskQueue;
  readonly #parked: ParkedTasks;
  readonly #providers: ProviderGate;
  readonly #budget: BudgetGuard;
  readonly #roles: readonly string[];

  /** `roles`: those that run tasks (count above 0); a paused role's tasks wait for a person, not for this run. */
  constructor(deps: { queue: TaskQueue; parked: ParkedTasks; providers: ProviderGate; budget: BudgetGuard; roles: readonly string[] }) {
    this.#roles = deps.roles;
    this.#queue = deps.queue;
    this.#parked = deps.parked;
    this.#providers = deps.providers;
    this.#budget = deps.budget;
  }

  /** The outcome once idle; undefined while work can still go on. */
  async check(running: number): Promise<IdleOutcome | undefined> {
    if (running > 0) return undefined;
    const pending = await this.#queue.pending(this.#roles);
    if (pending === 0) return { blocked: [], parked: [], budgets: await this.#budget.reached() };
    const blocked = await this.#providers.blocks();
    const parked = await this.#parked.list();
    // A task parked by a block another controller has lifted runs again soon: not idle.
    if (blocked.length === 0 || parked.length < pending) return undefined;
    return { blocked, parked, budgets: await this.#budget.reached() };
  }
}

/** The error `gantry run --until-idle` ends with when a block or a budget left work undone. */
export function unfinishedWork(outcome: IdleOutcome): GantryError | undefined {
  const lines = [
    ...outcome.blocked.map((block) => `${blockedError(block).message} (${outcome.parked.length} task(s) parked)`),
    ...outcome.budgets.map((reached) => `${budgetMessage(reached)}; the tasks it stopped failed with BUDGET_REACHED and kept their branches`),
  ];
  if (lines.length === 0) return undefined;
  return new GantryError(outcome.blocked.length > 0 ? 'PROVIDER_BLOCKED' : 'BUDGET_REACHED', lines.join('\n'));
}
