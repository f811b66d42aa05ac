import { describe, expect, it } from 'vitest';
import type { JournalEvent, JournalEventBody } from '../../harness/reports/events.ts';
import { buildReport, renderMarkdown } from '../../harness/reports/index.ts';

/** Events one second apart from 10:00, in the order given. */
function journal(bodies: JournalEventBody[]): JournalEvent[] {
  return bodies.map((body, i) => ({ ...body, ts: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString(), run: 'r1' }) as JournalEvent);
}

const started = (task: string, role: string, subject: string, attempt = 1): JournalEventBody => ({ type: 'attempt.started', task, role, attempt, fence: attempt, subject });
const session = (task: string, attempt = 1, n = 1): JournalEventBody => ({ type: 'session.started', task, attempt, session: n });
const submitted = (task: string, attempt = 1): JournalEventBody => ({ type: 'gate.submitted', task, attempt, head: `h-${task}-${attempt}` });
const merged = (task: string, attempt = 1): JournalEventBody => ({ type: 'task.merged', task, attempt, commit: `c-${task}` });

describe('coordination metrics', () => {
  it('when branches conflict, repeat a subject and merge, each rate is counted by the role the attempt ran under', () => {
    const events = journal([
      started('a', 'core', 's1'), session('a'), submitted('a'),
      // b works on a's subject while a is still at the gate: duplicate work.
      started('b', 'dedup', 's1'), session('b'),
      merged('a'),
      // c conflicts once (coded), then merges on its second attempt.
      started('c', 'core', 's2'), session('c'), submitted('c'),
      { type: 'attempt.failed', task: 'c', attempt: 1, reason: 'task c: the branch conflicts with main in x.ts; ...', final: false, code: 'MERGE_CONFLICT' },
      started('c', 'core', 's2', 2), session('c', 2), submitted('c', 2), merged('c', 2),
      // b's second session starts after a merged its subject: duplicate again.
      session('b', 1, 2), submitted('b'),
      // An older journal: no code, the gate's words tell the conflict.
      { type: 'attempt.failed', task: 'b', attempt: 1, reason: 'task b: the branch conflicts with main in y.ts; bring the branch up to date', final: true },
      // Merged again after a restart: one merge.
      merged('c', 2),
    ]);
    const { coordination } = buildReport('r1', events);
    const windowHours = (events.length - 1) / 3600;
    expect(coordination.total).toEqual({
      submissions: 4, conflicts: 2, merges: 2, sessions: 5, duplicateSessions: 2,
      conflictRate: 0.5, mergeSuccessRate: 0.5, duplicateRate: 0.4, mergesPerHour: Math.round((2 / windowHours) * 100) / 100,
    });
    expect(coordination.roles.map((r) => [r.role, r.submissions, r.conflicts, r.merges, r.sessions, r.duplicateSessions])).toEqual([
      ['core', 3, 1, 2, 3, 0],
      ['dedup', 1, 1, 0, 2, 2],
    ]);
    const markdown = renderMarkdown(buildReport('r1', events));
    expect(markdown).toContain('## Coordination');
    expect(markdown).toMatch(/^\| all \| 4 \| 2 \| 50\.0 % \| 50\.0 % \| 5 \| 2 \(40\.0 %\) \| /m);
  });

  it('when nothing reached the gate, the rates are null rather than zero', () => {
    const { coordination } = buildReport('r1', journal([started('a', 'core', 's1'), session('a')]));
    expect(coordination.total).toMatchObject({ submissions: 0, conflictRate: null, mergeSuccessRate: null, sessions: 1, duplicateRate: 0 });
  });
});
