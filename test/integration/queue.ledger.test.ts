import { describe, expect, it } from 'vitest';
import { TaskLedger, type SessionRecord } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

describe('TaskLedger', () => {
  const ctx = useRedisPrefix();

  it('when sessions and failures are recorded, it returns them in order, per task', async () => {
    const ledger = new TaskLedger(ctx.redis, ctx.prefix);
    const first: SessionRecord = { attempt: 1, session: 1, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1200, exitCode: 0, end: 'continue' };
    const second: SessionRecord = { ...first, session: 2, exitCode: null, end: 'timeout', note: 'hit the 30 min limit' };
    await ledger.recordSession('t1', first);
    await ledger.recordSession('t1', second);
    await ledger.recordFailure('t1', 'attempt 1: tests failed');
    await ledger.recordFailure('t1', 'attempt 2: merge conflict in src/a.ts');

    expect(await ledger.sessions('t1')).toEqual([first, second]);
    expect(await ledger.failures('t1')).toEqual(['attempt 1: tests failed', 'attempt 2: merge conflict in src/a.ts']);
    expect(await ledger.sessions('t2')).toEqual([]);
    expect(await ledger.failures('t2')).toEqual([]);
  });

  it('when a task is marked merged twice, the first commit stays and the second mark returns false', async () => {
    const ledger = new TaskLedger(ctx.redis, ctx.prefix);
    expect(await ledger.merged('t1')).toBeUndefined();
    expect(await ledger.merging('t1')).toBeUndefined();

    await ledger.markMerging('t1', 'aaa111');
    expect(await ledger.merging('t1')).toBe('aaa111');
    expect(await ledger.markMerged('t1', 'aaa111')).toBe(true);
    expect(await ledger.markMerged('t1', 'bbb222')).toBe(false);

    expect(await ledger.merged('t1')).toBe('aaa111');
    expect(await ledger.merged('t2')).toBeUndefined();
  });
});
