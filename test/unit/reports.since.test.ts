import { describe, expect, it } from 'vitest';
import { eventsSince, parseSince, type JournalEvent } from '../../harness/reports/index.ts';

const now = new Date('2026-01-01T12:00:00Z');

describe('report --since', () => {
  it.each([
    ['2h', '2026-01-01T10:00:00.000Z'],
    ['30m', '2026-01-01T11:30:00.000Z'],
    ['90s', '2026-01-01T11:58:30.000Z'],
    ['1d', '2025-12-31T12:00:00.000Z'],
    ['1h30m', '2026-01-01T10:30:00.000Z'],
    ['1.5h', '2026-01-01T10:30:00.000Z'],
    ['2026-01-01T08:15:00Z', '2026-01-01T08:15:00.000Z'],
    ['2026-01-01T09:00:00+01:00', '2026-01-01T08:00:00.000Z'],
    ['2025-12-30', '2025-12-30T00:00:00.000Z'],
  ])('when given "%s", it cuts off at %s', (text, expected) => {
    expect(parseSince(text, now)?.toISOString()).toBe(expected);
  });

  it.each(['yesterday', '7', '2h ago', '-2h', '2026-13-45', ''])('when given "%s", it refuses it', (text) => {
    expect(parseSince(text, now)).toBeUndefined();
  });

  it('when filtering, it keeps the events at or after the cut-off, whatever their order in the file', () => {
    const event = (ts: string, task: string) => ({ ts, run: 'r', type: 'task.queued', task, role: 'core', text: task }) as JournalEvent;
    const events = [event('2026-01-01T11:00:00.000Z', 'late'), event('2026-01-01T09:59:59.999Z', 'early'), event('2026-01-01T10:00:00Z', 'edge')];
    expect(eventsSince(events, new Date('2026-01-01T10:00:00Z')).map((e) => (e.type === 'task.queued' ? e.task : ''))).toEqual(['late', 'edge']);
  });
});
