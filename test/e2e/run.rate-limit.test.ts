import { describe, expect, it } from 'vitest';
import { addTasks, listTasks, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';
import { eventsOf, journalOf, noteAgent, resultLine } from '../helpers/reporting-agents.ts';

const newProject = useProject();

// Time between a session passing the provider gate and its session.started line.
const JOURNAL_SLACK_MS = 300;

describe('gantry run when the provider rate-limits', () => {
  it('when the first sessions of every task are rate-limited, all sessions wait out one shared, growing backoff, and every task merges without a failure or a spent session', async () => {
    const project = await newProject({
      concurrency: 3,
      // One session per attempt: rate-limited sessions must not count toward it.
      sessions: 1,
      retries: 0,
      agentCommand: noteAgent({
        before: `if [ "$GANTRY_SESSION" -le 2 ]; then ${resultLine({ end: 'rate-limited', message: '429 Too Many Requests' })}; exit 1; fi`,
        after: resultLine({ costUsd: 0.01 }),
      }),
    });
    await addTasks(project, ['note alpha', 'note bravo', 'note charlie']);

    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    expect(mergedTaskIds(await project.mainLog())).toHaveLength(3);
    expect((await listTasks(project)).map((t) => [t.state, t.attempts])).toEqual([['completed', 1], ['completed', 1], ['completed', 1]]);

    const events = await journalOf(project);
    expect(eventsOf(events, 'attempt.failed')).toEqual([]);
    const ended = eventsOf(events, 'session.ended');
    expect(ended.filter((e) => e.end === 'rate-limited')).toHaveLength(6);
    expect(ended.filter((e) => e.end === 'done')).toHaveLength(3);

    const backoffs = eventsOf(events, 'provider.backoff');
    expect(backoffs.length).toBeGreaterThanOrEqual(2);
    expect(backoffs.every((b) => b.provider === 'anthropic')).toBe(true);
    const lengths = backoffs.map((b) => Date.parse(b.until) - Date.parse(b.ts));
    // 2 s, then 4 s: the backoff grew with the consecutive rate limits.
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(3_500);

    // Shared: no session of any task started while a backoff declared before it was running.
    const started = eventsOf(events, 'session.started');
    for (const backoff of backoffs) {
      const declared = Date.parse(backoff.ts);
      const until = Date.parse(backoff.until);
      const during = started.filter((s) => Date.parse(s.ts) > declared + JOURNAL_SLACK_MS && Date.parse(s.ts) < until);
      expect(during, `sessions started during the backoff until ${backoff.until}`).toEqual([]);
    }
    // And it held up sessions of more than the task that hit it.
    const waited = new Set(started.filter((s) => backoffs.some((b) => Date.parse(s.ts) >= Date.parse(b.until))).map((s) => s.task));
    expect(waited.size).toBe(3);
  });
});
