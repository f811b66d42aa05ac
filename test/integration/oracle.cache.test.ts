import { describe, expect, it } from 'vitest';
import { findCulprits, probeKey, RedisProbeCache } from '../../harness/oracle/index.ts';
import { simulatedJudge, unitNames } from '../helpers/oracle-judge.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

describe('RedisProbeCache', () => {
  const ctx = useRedisPrefix();

  it('when a verdict is stored, another connection reads it back and an unknown key is undefined', async () => {
    const key = `${ctx.prefix}:oracle:config-a`;
    await new RedisProbeCache(ctx.redis, key).set(probeKey(['a', 'b']), 'fail');
    const other = ctx.redis.duplicate();
    ctx.defer(() => other.quit());
    const cache = new RedisProbeCache(other, key);

    expect(await cache.get(probeKey(['b', 'a']))).toBe('fail');
    expect(await cache.get(probeKey(['a']))).toBeUndefined();
    expect(await new RedisProbeCache(other, `${ctx.prefix}:oracle:config-b`).get(probeKey(['a', 'b']))).toBeUndefined();
  });

  it('when the controller is killed mid-bisection, a new run on the same key resumes from the stored probes', async () => {
    const units = unitNames(256);
    const culprits = [['u0031'], ['u0200'], ['u0090', 'u0150']];
    const key = `${ctx.prefix}:oracle:config`;
    const controller = new AbortController();
    let built = 0;
    const killed = await findCulprits({
      units, parallel: 4, cache: new RedisProbeCache(ctx.redis, key), signal: controller.signal,
      probe: simulatedJudge(culprits).probe,
      onProbe: () => {
        built += 1;
        if (built === 12) controller.abort(new Error('controller killed'));
      },
    }).catch((e: unknown) => e);
    const stored = await ctx.redis.hlen(key);
    const judge = simulatedJudge(culprits);

    const resumed = await findCulprits({ units, parallel: 4, cache: new RedisProbeCache(ctx.redis, key), probe: judge.probe });
    const again = await findCulprits({ units, parallel: 4, cache: new RedisProbeCache(ctx.redis, key), probe: judge.probe });

    expect(killed).toMatchObject({ message: 'controller killed' });
    expect(stored).toBeGreaterThanOrEqual(12);
    expect(resumed.culprits).toEqual([['u0031'], ['u0090', 'u0150'], ['u0200']]);
    expect(resumed.probes - resumed.builds).toBe(stored);
    expect(again.builds).toBe(0);
    expect(again.culprits).toEqual(resumed.culprits);
  });
});
