import { describe, expect, it } from 'vitest';
import { BaselineStore } from '../../harness/gate/baseline.ts';
import { FlakeStore } from '../../harness/gate/flakes.ts';
import type { SuiteRun } from '../../harness/gate/results/types.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

function suite(marker: string): SuiteRun {
  return {
    tests: [{ id: `a.test.ts > ${marker}`, file: 'a.test.ts', path: [], title: marker, status: 'passed', durationMs: 3 }],
    durationMs: 42,
  };
}

describe('FlakeStore', () => {
  const ctx = useRedisPrefix();

  it('when runs and flakes are recorded, it adds them up per test and computes the rate', async () => {
    const store = new FlakeStore(ctx.redis, ctx.prefix);
    await store.record('a', { runs: 1, flaky: 1 });
    await store.record('a', { runs: 3, flaky: 0 });
    await store.recordAll(new Map([['a', { runs: 0, flaky: 1 }], ['b', { runs: 2, flaky: 0 }]]));
    expect(await store.rate('a')).toBe(0.5);
    expect(await store.rate('b')).toBe(0);
    expect(await store.rate('never seen')).toBe(0);
    // A second store on the same prefix sees the same counters: they live in Redis, not in the object.
    expect(await new FlakeStore(ctx.redis, ctx.prefix).list()).toEqual([{ id: 'a', runs: 4, flaky: 2, rate: 0.5 }]);
  });

  it('when tests reach the threshold, it quarantines only those with enough runs that were ever flaky', async () => {
    const store = new FlakeStore(ctx.redis, ctx.prefix);
    await store.recordAll(
      new Map([
        ['flaky', { runs: 10, flaky: 3 }],
        ['rare', { runs: 10, flaky: 1 }],
        ['young', { runs: 2, flaky: 2 }],
        ['edge', { runs: 5, flaky: 1 }],
        ['solid', { runs: 50, flaky: 0 }],
      ]),
    );
    expect(await store.quarantined(0.2)).toEqual(new Set(['flaky', 'edge']));
    expect(await store.quarantined(0.2, 1)).toEqual(new Set(['flaky', 'edge', 'young']));
    expect(await store.quarantined(0)).toEqual(new Set(['flaky', 'rare', 'edge']));
    expect((await store.list()).map((r) => r.id)).toEqual(['young', 'flaky', 'edge', 'rare']);
  });

  it('when two prefixes are used, their counters are separate', async () => {
    await new FlakeStore(ctx.redis, ctx.prefix).record('a', { runs: 1, flaky: 1 });
    expect(await new FlakeStore(ctx.redis, `${ctx.prefix}:other`).list()).toEqual([]);
  });
});

describe('BaselineStore', () => {
  const ctx = useRedisPrefix();

  it('when a run is saved, it loads the same run by commit and as the latest', async () => {
    const store = new BaselineStore(ctx.redis, ctx.prefix);
    expect(await store.latest()).toBeUndefined();
    expect(await store.load('c1')).toBeUndefined();
    await store.save('c1', suite('one'));
    await store.save('c2', suite('two'));
    expect(await store.load('c1')).toEqual(suite('one'));
    expect(await store.latest()).toEqual({ commit: 'c2', run: suite('two') });
  });

  it('when a commit is saved again, its newer run replaces the old one and becomes the latest', async () => {
    const store = new BaselineStore(ctx.redis, ctx.prefix);
    await store.save('c1', suite('old'));
    await store.save('c2', suite('two'));
    await store.save('c1', suite('new'));
    expect(await store.latest()).toEqual({ commit: 'c1', run: suite('new') });
  });

  it('when more commits than `keep` are saved, it drops the oldest ones', async () => {
    const store = new BaselineStore(ctx.redis, ctx.prefix, { keep: 3 });
    for (let i = 1; i <= 5; i += 1) await store.save(`c${i}`, suite(`run ${i}`));
    expect(await store.load('c1')).toBeUndefined();
    expect(await store.load('c2')).toBeUndefined();
    for (const commit of ['c3', 'c4', 'c5']) expect(await store.load(commit)).toBeDefined();
    expect(await ctx.redis.hlen(`${ctx.prefix}:baseline:runs`)).toBe(3);
    expect(await ctx.redis.zcard(`${ctx.prefix}:baseline:order`)).toBe(3);
  });

  it('when many saves race, it still keeps exactly the newest `keep` commits', async () => {
    const store = new BaselineStore(ctx.redis, ctx.prefix, { keep: 4 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.save(`c${i}`, suite(`run ${i}`))));
    expect(await ctx.redis.hlen(`${ctx.prefix}:baseline:runs`)).toBe(4);
    const kept = await ctx.redis.zrange(`${ctx.prefix}:baseline:order`, '0', '-1');
    expect(kept).toHaveLength(4);
    for (const commit of kept) expect(await store.load(commit)).toBeDefined();
  });

  it('when a stored baseline is not a suite run, loading it says where it is and how to clear it', async () => {
    const store = new BaselineStore(ctx.redis, ctx.prefix);
    await ctx.redis.hset(`${ctx.prefix}:baseline:runs`, 'bad', '{"tests":');
    await expect(store.load('bad')).rejects.toMatchObject({ code: 'GATE_FAILED', message: expect.stringContaining(`${ctx.prefix}:baseline:runs field bad`) });
  });

  it('when keep is below 1, it refuses to build', () => {
    expect(() => new BaselineStore(ctx.redis, ctx.prefix, { keep: 0 })).toThrow(/keep must be a whole number ≥ 1, got 0/);
  });
});
