import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../harness/reports/index.ts';
import { addTasks, listTasks } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';
import { canaryKey, filesHolding, noteScript, realAgent, taskOfRequest, useRealAgents } from '../helpers/real-agents.ts';
import { eventsOf, journalOf } from '../helpers/reporting-agents.ts';

const agents = useRealAgents();

/** Texts of `count` distinct tasks (the scripted model does the same for each). */
function taskTexts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `note task-${index}`);
}

describe('gantry run with the real Claude Code CLI when the model API says no', () => {
  it('when the API answers 429 for 10 s to 8 agents at once, they wait out one shared backoff: fewer than 3 retries per agent on average and at most 3 for any, then every task merges with no failed attempt', { timeout: 240_000 }, async () => {
    const model = await agents.model('anthropic', noteScript('anthropic'));
    // From the first model call on, whichever agent makes it.
    await model.outage({ status: 429, seconds: 10 });
    const project = await agents.project({ ...realAgent('anthropic', model, 'sk-ant-scripted'), concurrency: 8, sessions: 1, retries: 0 });
    const tasks = await addTasks(project, taskTexts(8));

    const run = await project.gantry(['run', '--until-idle'], { timeout: 200_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const requests = await model.requests();
    expect(requests.filter((request) => taskOfRequest(request) === undefined)).toEqual([]);
    const refused = new Map<string, number>();
    for (const request of requests.filter((r) => r.status === 429)) {
      const task = taskOfRequest(request) ?? '';
      refused.set(task, (refused.get(task) ?? 0) + 1);
    }
    // Every agent met the outage; a retry is each refused call after an agent's first.
    expect([...refused.keys()].sort()).toEqual([...tasks].sort());
    const retries = [...refused.values()].map((count) => count - 1);
    expect(retries.reduce((a, b) => a + b, 0) / tasks.length).toBeLessThan(3);
    expect(Math.max(...retries)).toBeLessThanOrEqual(3);

    expect(new Set(mergedTaskIds(await project.mainLog()))).toEqual(new Set(tasks));
    expect((await listTasks(project)).map((t) => [t.state, t.attempts])).toEqual(tasks.map(() => ['completed', 1]));
    const events = await journalOf(project);
    expect(eventsOf(events, 'attempt.failed')).toEqual([]);
    // The CLI does not retry inside a session: each rate-limited session made exactly one refused call.
    expect(eventsOf(events, 'session.ended').filter((e) => e.end === 'rate-limited')).toHaveLength(sum(refused));
    expect(eventsOf(events, 'provider.backoff').length).toBeGreaterThanOrEqual(1);
  });

  it('when the API refuses the key (401), the CLI\'s error is said once (log, journal, report), no task fails or spends an attempt, gantry run --until-idle exits 2 with it, and the refused key is nowhere in the output', { timeout: 180_000 }, async () => {
    const { key, secret } = canaryKey('sk-ant-');
    const model = await agents.model('anthropic', [{ status: 401 }]);
    const project = await agents.project({ ...realAgent('anthropic', model, key), concurrency: 2 });
    await addTasks(project, taskTexts(2));

    const run = await project.gantry(['run', '--until-idle'], { timeout: 150_000 });

    expect(run.exitCode, run.stderr).toBe(2);
    // The message is the CLI's own, from its result object.
    const message = /PROVIDER_BLOCKED: provider anthropic refused the key \((Failed to authenticate\. API Error: 401 .*?)\): fix ANTHROPIC_API_KEY in agent\.env and start gantry again; its tasks wait, none is failed \(2 task\(s\) parked\)/.exec(run.stderr)?.[1];
    expect(message, run.stderr).toBeDefined();
    const errorLines = run.stderr.split('\n').filter((line) => line.includes('"level":50'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('ANTHROPIC_API_KEY');

    const events = await journalOf(project);
    expect(eventsOf(events, 'provider.auth')).toMatchObject([{ provider: 'anthropic', message }]);
    expect(eventsOf(events, 'attempt.failed')).toEqual([]);
    expect(eventsOf(events, 'session.ended').every((e) => e.end === 'auth')).toBe(true);
    // Parked: delayed in BullMQ, not failed, no attempt spent.
    expect((await listTasks(project)).map((t) => [t.state, t.attempts])).toEqual([['delayed', 0], ['delayed', 0]]);
    expect(mergedTaskIds(await project.mainLog())).toEqual([]);

    const json = await project.gantry(['report', '--format', 'json']);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report.stops).toMatchObject([{ kind: 'auth', provider: 'anthropic', message }]);
    expect(report.totals.failed).toBe(0);
    const markdown = await project.gantry(['report', '--format', 'md']);
    expect(markdown.stdout).toContain(message);

    // The refused key reached the server and nowhere else.
    expect((await model.requests()).every((request) => request.headers['x-api-key'] === key && request.status === 401)).toBe(true);
    for (const output of [run.stdout, run.stderr, json.stdout, markdown.stdout]) expect(output).not.toContain(secret);
    expect(await filesHolding(project.dir, secret)).toEqual(['gantry.yaml']);
  });
});

function sum(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
