import { describe, expect, it } from 'vitest';
import type { GantryConfig } from '../../harness/config/types.ts';
import { BudgetGuard, budgetMessage, type Admission, type Reservation } from '../../harness/controller/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const core = { task: 'task-a', role: 'core' };

function admitted(admission: Admission): Reservation {
  if (!admission.admitted) throw new Error(`expected admission, got: ${budgetMessage(admission.reached)}`);
  return admission.reservation;
}

describe('BudgetGuard', () => {
  const ctx = useRedisPrefix();
  const guard = (budget: Partial<GantryConfig['budget']>, run = 'run-1') =>
    new BudgetGuard({ redis: ctx.redis, prefix: ctx.prefix, run, budget: { perRole: {}, ...budget }, sessionTimeoutMs: 60_000 });

  it('when sessions settle, it keeps what the run, each task and each role spent, and a new run starts from zero', async () => {
    const budgets = guard({});
    await admitted(await budgets.admit(core)).settle(0.25);
    await admitted(await budgets.admit(core)).settle(0.5);
    await admitted(await budgets.admit({ task: 'task-b', role: 'critic' })).settle(1.25);

    expect(await budgets.spend()).toEqual({ run: 2, tasks: { 'task-a': 0.75, 'task-b': 1.25 }, roles: { core: 0.75, critic: 1.25 }, meanUsd: 2 / 3 });
    expect((await guard({}, 'run-2').spend()).run).toBe(0);
  });

  it('when the run has spent its budget, no session starts, the budget is reported once, and the message names the setting to raise', async () => {
    const budgets = guard({ run: 1 });
    await admitted(await budgets.admit(core)).settle(0.6);
    await admitted(await budgets.admit(core)).settle(0.52);

    const first = await budgets.admit({ task: 'task-b', role: 'core' });
    const second = await budgets.admit(core);
    expect(first).toMatchObject({ admitted: false, first: true, reached: { scope: 'run', limitUsd: 1, running: 0 } });
    expect(second).toMatchObject({ admitted: false, first: false });
    if (first.admitted) throw new Error('unreachable');
    expect(first.reached.spentUsd).toBeCloseTo(1.12, 9);
    expect(budgetMessage(first.reached)).toBe('run budget $1.00 reached ($1.12 spent): raise budget.run to go on');
    expect(await budgets.reached()).toHaveLength(1);
  });

  it('when sessions are running, each counts as the mean session cost so far, so at most about one session overspends', async () => {
    const budgets = guard({ run: 5 });
    await admitted(await budgets.admit(core)).settle(1);
    await admitted(await budgets.admit(core)).settle(1);
    // Spent 2, mean 1: 2 + 0·1, 2 + 1·1 and 2 + 2·1 are below 5; 2 + 3·1 is not.
    const running = [admitted(await budgets.admit(core)), admitted(await budgets.admit(core)), admitted(await budgets.admit(core))];
    const refused = await budgets.admit(core);
    expect(refused).toMatchObject({ admitted: false, reached: { scope: 'run', running: 3, expectedUsd: 3 } });
    if (refused.admitted) throw new Error('unreachable');
    expect(budgetMessage(refused.reached)).toBe('run budget $5.00 reached ($2.00 spent, $3.00 more expected from 3 running session(s)): raise budget.run to go on');

    // A session that never ran gives its place back without changing the mean.
    await running[0]?.settle(0, { sample: false });
    const next = admitted(await budgets.admit(core));
    await Promise.all([running[1]?.settle(1), running[2]?.settle(1), next.settle(1)]);
    expect((await budgets.spend()).run).toBe(5);
    expect(await budgets.admit(core)).toMatchObject({ admitted: false, reached: { spentUsd: 5, running: 0 } });
  });

  it('when a task or a role has spent its own budget, only sessions in that scope are refused', async () => {
    const budgets = guard({ perTask: 1, perRole: { critic: 2 } });
    await admitted(await budgets.admit(core)).settle(1);
    await admitted(await budgets.admit({ task: 'task-c', role: 'critic' })).settle(2);

    const task = await budgets.admit(core);
    const role = await budgets.admit({ task: 'task-d', role: 'critic' });
    expect(task).toMatchObject({ admitted: false, reached: { scope: 'task', task: 'task-a', limitUsd: 1 } });
    expect(role).toMatchObject({ admitted: false, reached: { scope: 'role', role: 'critic', limitUsd: 2 } });
    if (task.admitted || role.admitted) throw new Error('unreachable');
    expect(budgetMessage(task.reached)).toBe("budget of task task-a $1.00 reached ($1.00 spent): raise budget.perTask (or limits.dollars in the task's role file) to go on");
    expect(budgetMessage(role.reached)).toBe('budget of role critic $2.00 reached ($2.00 spent): raise budget.perRole.critic to go on');
    admitted(await budgets.admit({ task: 'task-b', role: 'core' }));
    expect((await budgets.reached()).map((r) => r.scope).sort()).toEqual(['role', 'task']);
  });

  it('when two controllers admit sessions at once against one run budget, the reservations they make are seen by both', async () => {
    const one = guard({ run: 3 });
    const two = guard({ run: 3 });
    await admitted(await one.admit(core)).settle(1);
    const answers = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 === 0 ? one : two).admit(core)));
    // Spent 1, mean 1: two places (1 + 0 < 3, 1 + 1 < 3), then 1 + 2 = 3 is reached.
    expect(answers.filter((a) => a.admitted)).toHaveLength(2);
  });
});
