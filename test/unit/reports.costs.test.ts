import { describe, expect, it } from 'vitest';
import { buildReport, renderMarkdown, type JournalEvent, type JournalEventBody } from '../../harness/reports/index.ts';

const RUN = 'r1';
const at = (clock: string) => `2026-01-01T${clock}:00.000Z`;
const journal = (rows: Array<[string, JournalEventBody]>): JournalEvent[] => rows.map(([clock, body]) => ({ ts: at(clock), run: RUN, ...body }) as JournalEvent);
const ended = (task: string, attempt: number, session: number, costUsd: number, provider = 'anthropic'): JournalEventBody =>
  ({ type: 'session.ended', task, attempt, session, exitCode: 0, end: 'done', durationMs: 60_000, provider, costUsd, inputTokens: Math.round(costUsd * 100_000), outputTokens: Math.round(costUsd * 10_000) });

/**
 * One hour, five tasks:
 * t1 (core) merges after two sessions ($0.50 + $0.25), queued at 10:00, merged 10:30;
 * t2 (core) is rejected once ($1.00 wasted), then merges ($0.40), merged 10:50;
 * t3 (docs) has no task.queued and fails for good on its second attempt ($0.30 of its first wasted);
 * t4 (docs) spends $0.20 and hits the docs budget; t5 (core) waits on a refused key.
 */
const HOUR: Array<[string, JournalEventBody]> = [
  ['10:00', { type: 'run.started', controller: 'c', concurrency: 2 }],
  ['10:00', { type: 'task.queued', task: 't1', role: 'core', text: 'one' }],
  ['10:00', { type: 'task.queued', task: 't2', role: 'core', text: 'two' }],
  ['10:01', { type: 'attempt.started', task: 't1', role: 'core', attempt: 1, fence: 1, agent: 'claude-code' }],
  ['10:02', { type: 'attempt.started', task: 't2', role: 'core', attempt: 1, fence: 2, agent: 'claude-code' }],
  ['10:05', { type: 'attempt.started', task: 't3', role: 'docs', attempt: 1, fence: 3, agent: 'codex' }],
  ['10:10', ended('t1', 1, 1, 0.5)],
  ['10:15', ended('t2', 1, 1, 1.0)],
  ['10:16', { type: 'attempt.failed', task: 't2', attempt: 1, reason: 'tests failed: 2 tests', final: false }],
  ['10:17', { type: 'attempt.started', task: 't2', role: 'core', attempt: 2, fence: 4, agent: 'claude-code' }],
  ['10:20', ended('t1', 1, 2, 0.25)],
  ['10:21', { type: 'gate.submitted', task: 't1', attempt: 1, head: 'h1' }],
  ['10:25', ended('t3', 1, 1, 0.3, 'openai')],
  // Attempt 1 was cut short by a shutdown (no attempt.failed); attempt 2 fails for good.
  ['10:27', { type: 'attempt.started', task: 't3', role: 'docs', attempt: 2, fence: 7, agent: 'codex' }],
  ['10:28', { type: 'attempt.failed', task: 't3', attempt: 2, reason: 'the agent made no commit', final: true }],
  ['10:29', { type: 'gate.result', task: 't1', attempt: 1, commit: 'm1', passed: true, exitCode: 0, durationMs: 60_000, batch: 1 }],
  ['10:30', { type: 'task.merged', task: 't1', attempt: 1, commit: 'c1' }],
  ['10:30', { type: 'task.queued', task: 't4', role: 'docs', text: 'four' }],
  ['10:31', { type: 'attempt.started', task: 't4', role: 'docs', attempt: 1, fence: 5, agent: 'codex' }],
  ['10:40', ended('t2', 2, 1, 0.4)],
  ['10:40', { type: 'task.queued', task: 't5', role: 'core', text: 'five' }],
  ['10:41', { type: 'attempt.started', task: 't5', role: 'core', attempt: 1, fence: 6, agent: 'claude-code' }],
  ['10:45', ended('t4', 1, 1, 0.2, 'openai')],
  ['10:46', { type: 'budget.reached', scope: 'role', role: 'docs', limitUsd: 0.5, spentUsd: 0.5, task: 't4' }],
  ['10:50', { type: 'task.merged', task: 't2', attempt: 2, commit: 'c2' }],
  ['10:52', { type: 'session.ended', task: 't5', attempt: 1, session: 1, exitCode: 1, end: 'auth', durationMs: 1000, provider: 'anthropic', costUsd: 0, inputTokens: 0, outputTokens: 0 }],
  ['10:52', { type: 'provider.auth', provider: 'anthropic', message: 'invalid x-api-key', task: 't5' }],
  ['11:00', { type: 'run.stopped', controller: 'c', reason: 'idle' }],
];

describe('report costs, waste and throughput', () => {
  const report = buildReport(RUN, journal(HOUR));

  it('when sessions report their cost, it sums them per task, per role and per run, and divides by merges', () => {
    const byTask = new Map(report.tasks.map((t) => [t.id, t]));
    expect(byTask.get('t1')).toMatchObject({ costUsd: 0.75, wasteUsd: 0, inputTokens: 75_000, outputTokens: 7_500, attempts: 1, agent: 'claude-code' });
    expect(byTask.get('t2')).toMatchObject({ costUsd: 1.4, wasteUsd: 1, attempts: 2, status: 'merged' });
    expect(byTask.get('t3')).toMatchObject({ costUsd: 0.3, wasteUsd: 0.3, status: 'failed', agent: 'codex', attempts: 2 });
    expect(byTask.get('t4')).toMatchObject({ costUsd: 0.2, wasteUsd: 0, status: 'running' });
    expect(report.totals).toMatchObject({ costUsd: 2.65, wasteUsd: 1.3, openUsd: 0.2, inputTokens: 265_000, outputTokens: 26_500, costPerMergeUsd: 1.325, merged: 2, rejections: 2 });
    expect(report.roles).toEqual([
      { role: 'core', tasks: 3, merged: 2, failed: 0, sessions: 5, costUsd: 2.15, wasteUsd: 1, costPerMergeUsd: 1.075 },
      { role: 'docs', tasks: 2, merged: 0, failed: 1, sessions: 2, costUsd: 0.5, wasteUsd: 0.3, costPerMergeUsd: null },
    ]);
  });

  it('when an attempt is rejected or a task fails, its sessions count as waste; an undecided task stays open', () => {
    const outcome = (task: string, attempt: number) => report.sessions.filter((s) => s.task === task && s.attempt === attempt).map((s) => s.outcome);
    expect(outcome('t1', 1)).toEqual(['merged', 'merged']);
    expect(outcome('t2', 1)).toEqual(['wasted']);
    expect(outcome('t2', 2)).toEqual(['merged']);
    expect(outcome('t3', 1)).toEqual(['wasted']);
    expect(outcome('t4', 1)).toEqual(['open']);
    expect(report.sessions.map((s) => s.at)).toEqual([...report.sessions.map((s) => s.at)].sort());
    expect(report.sessions.find((s) => s.task === 't3')).toMatchObject({ role: 'docs', provider: 'openai', costUsd: 0.3, session: 1, end: 'done', durationMs: 60_000 });
  });

  it('when tasks merge, it lists each merge with its agent, sessions, gate runs and time from queueing', () => {
    expect(report.merges).toEqual([
      { task: 't1', role: 'core', agent: 'claude-code', sessions: 2, gateRuns: 1, commit: 'c1', mergedAt: at('10:30'), timeToMergeMs: 30 * 60_000, costUsd: 0.75 },
      { task: 't2', role: 'core', agent: 'claude-code', sessions: 2, gateRuns: 0, commit: 'c2', mergedAt: at('10:50'), timeToMergeMs: 50 * 60_000, costUsd: 1.4 },
    ]);
    expect(report.totals.mergesPerHour).toBe(2);
    expect(report.from).toBe(at('10:00'));
    expect(report.to).toBe(at('11:00'));
  });

  it('when a task was never queued in the journal, its time to merge starts at its first attempt', () => {
    const merged = buildReport(RUN, journal([
      ['09:00', { type: 'attempt.started', task: 'x', role: 'core', attempt: 1, fence: 1 }],
      ['09:05', { type: 'attempt.failed', task: 'x', attempt: 1, reason: 'r', final: false }],
      ['09:06', { type: 'attempt.started', task: 'x', role: 'core', attempt: 2, fence: 2 }],
      ['09:45', { type: 'task.merged', task: 'x', attempt: 2, commit: 'c' }],
    ]));
    expect(merged.merges[0]?.timeToMergeMs).toBe(45 * 60_000);
    expect(merged.merges[0]).not.toHaveProperty('agent');
    expect(merged.totals.mergesPerHour).toBe(1.33);
  });

  it('when attempts fail, it lists every rejection with its reason, final or not', () => {
    expect(report.rejections).toEqual([
      { task: 't2', role: 'core', attempt: 1, at: at('10:16'), reason: 'tests failed: 2 tests', final: false },
      { task: 't3', role: 'docs', attempt: 2, at: at('10:28'), reason: 'the agent made no commit', final: true },
    ]);
  });

  it('when a budget is reached or a key refused, it says which task is held up and why', () => {
    expect(report.stops).toEqual([
      { kind: 'budget', task: 't4', role: 'docs', at: at('10:46'), budget: { scope: 'role', role: 'docs' }, limitUsd: 0.5, spentUsd: 0.5 },
      { kind: 'auth', task: 't5', role: 'core', at: at('10:52'), provider: 'anthropic', message: 'invalid x-api-key' },
    ]);
  });

  it('when a held-up task starts a session again or merges, it is no longer held up', () => {
    const later = buildReport(RUN, journal([
      ...HOUR,
      ['11:10', { type: 'session.started', task: 't4', attempt: 1, session: 2 }],
      ['11:20', { type: 'budget.reached', scope: 'run', limitUsd: 3, spentUsd: 3.1, task: 't5' }],
    ]));
    expect(later.stops).toEqual([{ kind: 'budget', task: 't5', role: 'core', at: at('11:20'), budget: { scope: 'run' }, limitUsd: 3, spentUsd: 3.1 }]);
  });

  it('when the run lasts an hour, it buckets spend and merges by 2 minutes, and the buckets add up to the totals', () => {
    const { timeline } = report;
    expect(timeline.bucketMs).toBe(2 * 60_000);
    expect(timeline.points).toHaveLength(31);
    expect(timeline.points[0]?.start).toBe(at('10:00'));
    const point = (clock: string) => timeline.points.find((p) => p.start === at(clock));
    expect(point('10:10')).toEqual({ start: at('10:10'), costUsd: 0.5, sessions: 1, merges: 0 });
    expect(point('10:14')).toEqual({ start: at('10:14'), costUsd: 1, sessions: 1, merges: 0 });
    expect(point('10:30')?.merges).toBe(1);
    expect(point('10:50')?.merges).toBe(1);
    expect(timeline.points.reduce((sum, p) => sum + p.costUsd, 0)).toBeCloseTo(2.65, 9);
    expect(timeline.points.reduce((sum, p) => sum + p.sessions, 0)).toBe(report.sessions.length);
  });

  it('when given a since time, it reads only the events at or after it', () => {
    const since = new Date(at('10:30'));
    const recent = buildReport(RUN, journal(HOUR), { since });
    expect(recent.since).toBe(at('10:30'));
    expect(recent.from).toBe(at('10:30'));
    expect(recent.tasks.map((t) => t.id).sort()).toEqual(['t1', 't2', 't4', 't5']);
    // t1's merge at 10:30 is in; its sessions and queueing are not.
    expect(recent.merges.map((m) => [m.task, m.costUsd, m.timeToMergeMs])).toEqual([['t1', 0, null], ['t2', 0.4, null]]);
    expect(recent.totals).toMatchObject({ costUsd: 0.6, wasteUsd: 0, openUsd: 0.2, merged: 2, rejections: 0, mergesPerHour: 4, costPerMergeUsd: 0.3 });
    expect(recent.timeline.bucketMs).toBe(60_000);
    expect(recent.timeline.points).toHaveLength(31);
  });

  it('when the journal is empty, it reports zeros and no ratios rather than dividing by zero', () => {
    const empty = buildReport(RUN, []);
    expect(empty).toMatchObject({ from: null, to: null, merges: [], sessions: [], roles: [], timeline: { points: [] } });
    expect(empty.totals).toMatchObject({ costUsd: 0, costPerMergeUsd: null, mergesPerHour: null, suiteRunsPerMerge: 0 });
  });
});

describe('report as Markdown', () => {
  it('when rendered, it shows spend and waste, costs by role, merges, rejections and held-up tasks', () => {
    const markdown = renderMarkdown(buildReport(RUN, journal(HOUR)));
    expect(markdown).toContain('Spend $2.65, $1.33 per merged commit; wasted $1.30 (49 %), undecided $0.20; 265000 input and 26500 output tokens. Throughput: 2 merges per hour; 2 rejections.');
    expect(markdown).toContain('| core | 3 | 2 | 0 | 5 | $2.15 | $1.00 | $1.08 |');
    expect(markdown).toContain('| docs | 2 | 0 | 1 | 2 | $0.50 | $0.30 | – |');
    expect(markdown).toContain('| t2 | core | claude-code | 2 | 0 | 50.0 min | $1.40 | c2 |');
    expect(markdown).toContain('| t3 | docs | 2 | yes | the agent made no commit |');
    expect(markdown).toContain('- t4 (docs): stopped by the role docs budget: $0.50 spent of $0.50');
    expect(markdown).toContain('- t5 (core): waiting on provider anthropic, which refused the key: invalid x-api-key');
  });
});
