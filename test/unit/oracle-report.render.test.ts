import { describe, expect, it } from 'vitest';
import { oracleReports, renderOracleReport } from '../../harness/oracle/index.ts';
import type { JournalEvent, JournalEventBody } from '../../harness/reports/index.ts';

function journal(bodies: JournalEventBody[]): JournalEvent[] {
  return bodies.map((body, i) => ({ ...body, run: 'r1', ts: new Date(Date.UTC(2026, 0, 1, 8, 0, i)).toISOString() }));
}

const started = (oracle: string): JournalEventBody => ({ type: 'oracle.started', oracle, commit: 'abcdef0123456789', units: 40, parallel: 4, trigger: 'manual' });
const probe = (oracle: string, cached: boolean, round: number): JournalEventBody => ({ type: 'oracle.probe', oracle, size: 20, verdict: 'fail', cached, round });

describe('oracle report', () => {
  it('when a bisection was killed and a second one finished from its cache, it reports both, the second with its cached probes', () => {
    const events = journal([
      started('one'), probe('one', false, 1), probe('one', false, 2),
      { type: 'task.queued', task: 't0', role: 'core', text: 'unrelated' },
      started('two'), probe('two', true, 0), probe('two', true, 0), probe('two', false, 1),
      { type: 'oracle.done', oracle: 'two', commit: 'abcdef0123456789', culprits: [['src/a.c'], ['src/b.c', 'src/c.c']], builds: 1, checkBuilds: 2, probes: 3, rounds: 1, durationMs: 4_200,
        tasks: [{ task: 'id-a', units: ['src/a.c'], created: true }, { task: 'id-bc', units: ['src/b.c', 'src/c.c'], created: false }] },
    ]);

    const reports = oracleReports(events);

    expect(reports.map((report) => [report.oracle, report.state, report.probes, report.cached, report.builds])).toEqual([
      ['one', 'unfinished', 2, 0, 2],
      ['two', 'done', 3, 2, 1],
    ]);
    const text = renderOracleReport(reports);
    expect(text).toContain('# Oracle bisection one (unfinished)');
    expect(text).toContain('| 3 | 2 | 1 | 2 | 1 | 4.2 s |');
    expect(text).toContain('Culprits: 2. Tasks: 1 made, 1 already queued.');
    expect(text).toContain('- src/b.c + src/c.c → task id-bc (already queued)');
  });

  it('when a bisection failed its sanity check, it reports the reason', () => {
    const reports = oracleReports(journal([started('x'), { type: 'oracle.failed', oracle: 'x', commit: 'abcdef0123456789', reason: 'the all-candidate mix passes' }]));

    expect(reports[0]).toMatchObject({ state: 'failed', failure: 'the all-candidate mix passes', durationMs: 1_000 });
    expect(renderOracleReport(reports)).toContain('Failed: the all-candidate mix passes');
  });

  it('when the run has no bisection, it says how to start one', () => {
    expect(renderOracleReport(oracleReports([]))).toContain('gantry oracle run');
  });
});
