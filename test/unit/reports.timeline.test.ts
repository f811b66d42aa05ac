import { describe, expect, it } from 'vitest';
import { buildTimeline, bucketWidth } from '../../harness/reports/timeline.ts';

const start = Date.parse('2026-01-01T10:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('report timeline', () => {
  it.each([
    [10 * SECOND, 1 * SECOND],
    [30 * SECOND, 1 * SECOND],
    [5 * MINUTE, 10 * SECOND],
    [HOUR, 2 * MINUTE],
    [5 * HOUR, 10 * MINUTE],
    [24 * HOUR, 30 * MINUTE],
    [3 * 24 * HOUR, 2 * HOUR],
    [30 * 24 * HOUR, 24 * HOUR],
  ])('when the window is %i ms, it picks %i ms buckets', (span, width) => {
    expect(bucketWidth(start, start + span)).toBe(width);
  });

  it('when the window is between 10 s and 60 weeks, a chart gets 10 to 60 points', () => {
    for (let span = 10 * SECOND; span < 60 * 7 * 24 * HOUR; span = Math.round(span * 1.37)) {
      const points = buildTimeline(start, start + span, []).points.length;
      expect(points, `window of ${span} ms`).toBeGreaterThanOrEqual(10);
      expect(points, `window of ${span} ms`).toBeLessThanOrEqual(60);
    }
  });

  it('when hourly buckets fit, they start on the hour and hold what happened in them', () => {
    const timeline = buildTimeline(start + 20 * MINUTE, start + 40 * HOUR, [
      { at: start + 25 * MINUTE, costUsd: 0.1, kind: 'session' },
      { at: start + 59 * MINUTE, costUsd: 0.2, kind: 'session' },
      { at: start + HOUR, costUsd: 0.4, kind: 'session' },
      { at: start + HOUR + 1, costUsd: 0, kind: 'merge' },
    ]);
    expect(timeline.bucketMs).toBe(HOUR);
    expect(timeline.points).toHaveLength(41);
    expect(timeline.points.slice(0, 2)).toEqual([
      { start: '2026-01-01T10:00:00.000Z', costUsd: 0.3, sessions: 2, merges: 0 },
      { start: '2026-01-01T11:00:00.000Z', costUsd: 0.4, sessions: 1, merges: 1 },
    ]);
  });
});
