import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../harness/reports/events.ts';
import { RunMetrics } from '../../harness/server/run-metrics.ts';

const at = (body: Record<string, unknown>): JournalEvent => ({ ts: '2026-05-01T10:00:00.000Z', run: 'r', ...body } as JournalEvent);

describe('RunMetrics', () => {
  it('counts a batch\'s suite run once, labels spend with the task\'s role, and keeps serving the counters when the gauges cannot be read', async () => {
    const metrics = new RunMetrics(async () => {
      throw new Error('Redis is away');
    });
    metrics.observe([
      at({ type: 'task.queued', task: 'a', role: 'docs', text: 'A' }),
      at({ type: 'attempt.started', task: 'a', role: 'docs', attempt: 1, fence: 1 }),
      at({ type: 'session.ended', task: 'a', attempt: 1, session: 1, exitCode: 0, end: 'done', durationMs: 1, costUsd: 0.25, provider: 'anthropic' }),
      at({ type: 'gate.result', task: 'a', attempt: 1, commit: 'c', passed: true, exitCode: 0, durationMs: 4000, batch: 2 }),
      at({ type: 'gate.result', task: 'b', attempt: 1, commit: 'c', passed: true, exitCode: 0, durationMs: 4000, batch: 2 }),
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^gantry_gate_runs_total\{result="passed"\} 1$/m);
    expect(text).toMatch(/^gantry_gate_run_duration_seconds_count 1$/m);
    expect(text).toMatch(/^gantry_cost_usd_total\{role="docs",provider="anthropic"\} 0\.25$/m);
    expect(text).toMatch(/^gantry_journal_events_total\{type="gate\.result"\} 2$/m);
    expect(text).not.toMatch(/^gantry_sessions_running/m);
    expect(text).not.toMatch(/^gantry_budget_left_usd/m);
  });
});
