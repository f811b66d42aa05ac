import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTasks, listTasks, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';
import { eventsOf, journalOf, noteAgent, resultLine } from '../helpers/reporting-agents.ts';

const newProject = useProject();

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('gantry run with agents that report their costs', () => {
  it('when agents print what each session cost, the journal\'s sessions carry those costs and sum to what was printed', async () => {
    const project = await newProject({
      concurrency: 3,
      sessions: 3,
      // "two NAME": a first session that only spends, then one that does the work.
      agentCommand: noteAgent({
        before: `if [ "$verb" = two ] && [ "$GANTRY_SESSION" = 1 ]; then ${resultLine({ costUsd: 0.125, inputTokens: 100, outputTokens: 10 })}; exit 0; fi`,
        after: resultLine({ costUsd: 0.5, inputTokens: 1000, outputTokens: 200 }),
      }),
    });
    await addTasks(project, ['note alpha', 'two bravo', 'note charlie']);

    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    expect(mergedTaskIds(await project.mainLog())).toHaveLength(3);
    const events = await journalOf(project);
    const ended = eventsOf(events, 'session.ended');
    expect(ended).toHaveLength(4);
    expect(ended.every((e) => e.provider === 'anthropic')).toBe(true);
    expect(sum(ended.map((e) => e.costUsd ?? NaN))).toBeCloseTo(0.5 + 0.125 + 0.5 + 0.5, 9);
    expect(sum(ended.map((e) => e.inputTokens ?? NaN))).toBe(3100);
    expect(sum(ended.map((e) => e.outputTokens ?? NaN))).toBe(610);
    expect(eventsOf(events, 'attempt.started').map((e) => e.agent)).toEqual(['command', 'command', 'command']);
  });

  it('when the run budget is smaller than the work, new sessions stop, running ones finish, the rest end with BUDGET_REACHED naming the budget, and the overspend stays within one session', async () => {
    const sessionCost = 0.5;
    const limit = 1.2;
    const project = await newProject({
      concurrency: 2,
      budget: { run: limit },
      agentCommand: noteAgent({ after: resultLine({ costUsd: sessionCost, inputTokens: 1000, outputTokens: 200 }) }),
    });
    const ids = await addTasks(project, ['note alpha', 'note bravo', 'note charlie', 'note delta', 'note echo']);

    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/BUDGET_REACHED: run budget \$1\.20 reached \(\$\d\.\d\d spent\): raise budget\.run to go on/);

    const events = await journalOf(project);
    const started = eventsOf(events, 'session.started');
    const ended = eventsOf(events, 'session.ended');
    const spent = sum(ended.map((e) => e.costUsd ?? NaN));
    // Every session that started finished and its task merged.
    expect(ended).toHaveLength(started.length);
    expect(spent).toBeCloseTo(started.length * sessionCost, 9);
    expect(spent).toBeGreaterThanOrEqual(limit);
    expect(spent - limit).toBeLessThanOrEqual(sessionCost);
    const merged = mergedTaskIds(await project.mainLog());
    expect(new Set(merged)).toEqual(new Set(started.map((e) => e.task)));

    const reached = eventsOf(events, 'budget.reached');
    expect(reached).toHaveLength(1);
    expect(reached[0]).toMatchObject({ scope: 'run', limitUsd: limit });

    const stopped = (await listTasks(project)).filter((t) => !merged.includes(t.task.id));
    expect(stopped.length).toBe(ids.length - merged.length);
    expect(stopped.length).toBeGreaterThan(0);
    for (const task of stopped) {
      expect(task.state).toBe('failed');
      expect(task.failedReason).toMatch(/^BUDGET_REACHED: run budget \$1\.20 reached \(\$\d\.\d\d spent(, \$\d\.\d\d more expected from \d running session\(s\))?\): raise budget\.run to go on$/);
      // Its work tree stays for when the budget is raised.
      expect(existsSync(join(project.dir, 'state', 'work', task.task.id)), task.task.id).toBe(true);
    }
    const failed = eventsOf(events, 'attempt.failed');
    expect(failed.map((e) => e.task).sort()).toEqual(stopped.map((t) => t.task.id).sort());
    expect(failed.every((e) => e.final)).toBe(true);
  });
});
