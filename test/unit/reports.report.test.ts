import { mkdtemp, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport, FileJournal, journalPath, readJournal, renderMarkdown, type JournalEventBody } from '../../harness/reports/index.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function journalOf(bodies: JournalEventBody[]) {
  dir = await mkdtemp(join(tmpdir(), 'gantry-journal-'));
  const journal = new FileJournal(journalPath(dir, 'r1'), 'r1', () => new Date('2026-01-01T00:00:00Z'));
  await Promise.all(bodies.map((body) => journal.append(body)));
  return journal;
}

describe('journal and report', () => {
  it('when events are appended concurrently, it keeps them all, in call order, one per line', async () => {
    const bodies: JournalEventBody[] = Array.from({ length: 50 }, (_, i) => ({ type: 'task.queued', task: `t${i}`, role: 'core', text: `task ${i}` }));
    const journal = await journalOf(bodies);
    const events = await readJournal(journal.file);
    expect(events.map((e) => (e.type === 'task.queued' ? e.task : ''))).toEqual(bodies.map((_, i) => `t${i}`));
    expect(events[0]).toMatchObject({ run: 'r1', ts: '2026-01-01T00:00:00.000Z' });
  });

  it('when the last line was torn by a crash, it reads the events before it', async () => {
    const journal = await journalOf([{ type: 'task.queued', task: 'a', role: 'core', text: 'a' }]);
    await appendFile(journal.file, '{"type":"task.que');
    expect(await readJournal(journal.file)).toHaveLength(1);
  });

  it('when tasks merge, fail and retry, it counts each task by its final state and each merge once', () => {
    const run = 'r1';
    const ts = '2026-01-01T00:00:00Z';
    const events = [
      { type: 'task.queued', task: 'a', role: 'core', text: 'a' },
      { type: 'task.queued', task: 'b', role: 'docs', text: 'b' },
      { type: 'task.queued', task: 'c', role: 'core', text: 'c' },
      { type: 'attempt.started', task: 'a', role: 'core', attempt: 1, fence: 1 },
      { type: 'session.ended', task: 'a', attempt: 1, session: 1, exitCode: 0, end: 'done', durationMs: 10 },
      { type: 'gate.submitted', task: 'a', attempt: 1, head: 'h1', ts: '2026-01-01T00:00:00Z' },
      { type: 'gate.result', task: 'a', attempt: 1, commit: 'tip1', passed: false, exitCode: 1, durationMs: 5, batch: 2 },
      { type: 'gate.result', task: 'b', attempt: 1, commit: 'tip1', passed: false, exitCode: 1, durationMs: 5, batch: 2 },
      { type: 'gate.result', task: 'a', attempt: 1, commit: 'abc', passed: true, exitCode: 0, durationMs: 5, batch: 1 },
      { type: 'task.merged', task: 'a', attempt: 1, commit: 'abc', ts: '2026-01-01T00:00:02Z' },
      { type: 'task.merged', task: 'a', attempt: 1, commit: 'abc' },
      { type: 'attempt.started', task: 'b', role: 'docs', attempt: 1, fence: 1 },
      { type: 'session.ended', task: 'b', attempt: 1, session: 1, exitCode: 3, end: 'failed', durationMs: 10 },
      { type: 'attempt.failed', task: 'b', attempt: 1, reason: 'exit 3', final: false },
      { type: 'session.ended', task: 'b', attempt: 2, session: 1, exitCode: 3, end: 'failed', durationMs: 10 },
      { type: 'attempt.failed', task: 'b', attempt: 2, reason: 'exit 3 | again', final: true },
    ].map((body) => ({ ts, ...body, run })) as Parameters<typeof buildReport>[1];
    const report = buildReport(run, events);
    expect(report.totals).toMatchObject({ tasks: 3, merged: 1, failed: 1, sessions: 3, suiteRuns: 2, suiteRunsPerMerge: 2, rejections: 2 });
    expect(report.tasks.find((t) => t.id === 'a')).toEqual({
      id: 'a', role: 'core', text: 'a', status: 'merged', attempts: 1, sessions: 1, gateRuns: 2, gateTestMs: 10, gateWaitMs: 1990, merges: ['abc'],
      costUsd: 0, wasteUsd: 0, inputTokens: 0, outputTokens: 0, timeToMergeMs: 2000,
    });
    expect(report.tasks.find((t) => t.id === 'b')).toMatchObject({ role: 'docs', status: 'failed', reason: 'exit 3 | again' });
    expect(report.tasks.find((t) => t.id === 'c')?.status).toBe('queued');
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('3 tasks: 1 merged, 1 failed, 1 open; 3 sessions; 2 gate suite runs (2 per merge).');
    expect(markdown).toContain('| b | docs |  | failed | 2 | 1 | 0.0 s | 0.0 s | $0.00 |  | exit 3 \\| again |');
  });
});
