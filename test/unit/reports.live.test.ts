import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentsAtWork } from '../../harness/reports/agents-at-work.ts';
import type { JournalEvent, JournalEventBody } from '../../harness/reports/events.ts';
import { gateTimeline } from '../../harness/reports/gate-timeline.ts';
import { LiveJournal } from '../../harness/reports/live-journal.ts';
import { progressLine } from '../../harness/reports/progress-line.ts';
import { buildReport } from '../../harness/reports/report.ts';

let clock = Date.parse('2026-05-01T10:00:00Z');
const at = (body: JournalEventBody): JournalEvent => ({ ts: new Date((clock += 1000)).toISOString(), run: 'r', ...body } as JournalEvent);
const line = (event: JournalEvent) => `${JSON.stringify(event)}\n`;

const HISTORY: JournalEvent[] = [
  at({ type: 'task.queued', task: 'a', role: 'core', text: 'A' }),
  at({ type: 'task.queued', task: 'b', role: 'docs', text: 'B' }),
  at({ type: 'attempt.started', task: 'a', role: 'core', attempt: 1, fence: 1, agent: 'command' }),
  at({ type: 'session.started', task: 'a', attempt: 1, session: 1 }),
  at({ type: 'attempt.started', task: 'b', role: 'docs', attempt: 1, fence: 2 }),
  at({ type: 'session.ended', task: 'a', attempt: 1, session: 1, exitCode: 0, end: 'continue', durationMs: 900, costUsd: 0.5, provider: 'anthropic', inputTokens: 1, outputTokens: 1 }),
  at({ type: 'session.started', task: 'a', attempt: 1, session: 2 }),
  at({ type: 'session.started', task: 'b', attempt: 1, session: 1 }),
  at({ type: 'session.ended', task: 'a', attempt: 1, session: 2, exitCode: 0, end: 'done', durationMs: 900, costUsd: 0.25 }),
  at({ type: 'gate.submitted', task: 'a', attempt: 1, head: 'h1' }),
  at({ type: 'gate.result', task: 'a', attempt: 1, commit: 'c1', passed: false, exitCode: 1, durationMs: 2000, batch: 1 }),
  at({ type: 'attempt.failed', task: 'a', attempt: 1, reason: 'tests failed', final: false, code: 'GATE_FAILED' }),
  at({ type: 'attempt.started', task: 'a', role: 'core', attempt: 2, fence: 3 }),
];

describe('agents at work, from the journal', () => {
  it('keeps each attempt started and not ended, with its session, status and the task\'s spend over all attempts', () => {
    expect(agentsAtWork(HISTORY)).toEqual([
      { task: 'b', role: 'docs', attempt: 1, session: 1, status: 'session', startedAt: HISTORY[4]?.ts, since: HISTORY[7]?.ts, costUsd: 0 },
      { task: 'a', role: 'core', attempt: 2, session: 0, status: 'starting', startedAt: HISTORY[12]?.ts, since: HISTORY[12]?.ts, costUsd: 0.75 },
    ]);
  });

  it('drops a task once it merges; a branch at the gate says so', () => {
    const atGate = [...HISTORY, at({ type: 'gate.submitted', task: 'b', attempt: 1, head: 'h2' })];
    expect(agentsAtWork(atGate).find((a) => a.task === 'b')?.status).toBe('at the gate');
    expect(agentsAtWork([...atGate, at({ type: 'task.merged', task: 'b', attempt: 1, commit: 'm1' })]).map((a) => a.task)).toEqual(['a']);
  });
});

describe('gate timeline', () => {
  it('lists gate runs, merges and the gate\'s rejections newest first, at most the limit, and not other failures', () => {
    const events = [
      ...HISTORY,
      at({ type: 'attempt.failed', task: 'b', attempt: 1, reason: 'session timed out', final: false, code: 'AGENT_FAILED' }),
      at({ type: 'gate.result', task: 'a', attempt: 2, commit: 'c2', passed: true, exitCode: 0, durationMs: 1500, batch: 2 }),
      at({ type: 'task.merged', task: 'a', attempt: 2, commit: 'm2' }),
    ];
    expect(gateTimeline(events, 10).map((step) => [step.kind, step.task])).toEqual([['merged', 'a'], ['tested', 'a'], ['rejected', 'a'], ['tested', 'a']]);
    expect(gateTimeline(events, 2).map((step) => step.kind)).toEqual(['merged', 'tested']);
  });
});

describe('LiveJournal', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-live-'));
    file = join(dir, 'journal.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing before the file exists, then each line once, holding back a line still being written until it is whole', async () => {
    const journal = new LiveJournal(file, 'r');
    const heard: string[] = [];
    journal.onEvents((events) => heard.push(...events.map((e) => e.type)));
    await journal.refresh();
    expect(journal.events).toEqual([]);

    await writeFile(file, line(HISTORY[0]!) + line(HISTORY[1]!));
    await journal.refresh();
    const third = line(HISTORY[2]!);
    await appendFile(file, third.slice(0, 20));
    await journal.refresh();
    expect(heard).toEqual(['task.queued', 'task.queued']);
    await appendFile(file, third.slice(20));
    await journal.refresh();
    await journal.refresh();
    expect(heard).toEqual(['task.queued', 'task.queued', 'attempt.started']);
    expect(journal.events).toEqual(HISTORY.slice(0, 3));
  });

  it('skips a line torn by a crash (the next event glued on), as readJournal does, and its report is the report of what it read', async () => {
    await writeFile(file, line(HISTORY[0]!) + line(HISTORY[1]!).slice(0, 15) + line(HISTORY[2]!) + line(HISTORY[3]!));
    const journal = new LiveJournal(file, 'r');
    await journal.refresh();
    expect(journal.events.map((e) => e.type)).toEqual(['task.queued', 'session.started']);
    expect(journal.report()).toEqual(buildReport('r', journal.events));
  });
});

describe('progress line', () => {
  it('counts tasks by state and says what was spent', () => {
    expect(progressLine(buildReport('r', HISTORY))).toBe('0 merged, 2 running, 0 queued, 0 failed · $0.75 spent');
  });
});
