import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/gate/prng.ts';
import { findCulprits, probeKey, type ProbeCache, type Verdict } from '../../harness/oracle/index.ts';
import { drawUnits, simulatedJudge, unitNames } from '../helpers/oracle-judge.ts';

function memoryCache(): ProbeCache & { entries: Map<string, Verdict> } {
  const entries = new Map<string, Verdict>();
  return {
    entries,
    get: async (key) => entries.get(key),
    set: async (key, verdict) => void entries.set(key, verdict),
  };
}

const units = unitNames(512);
const culprits = [...drawUnits(units, 4, mulberry32(11)).map((unit) => [unit]), ['u0100', 'u0400']];

describe('probe cache', () => {
  it('when a run is repeated with the same cache, it makes no build and finds the same culprits', async () => {
    const cache = memoryCache();
    const first = await findCulprits({ units, probe: simulatedJudge(culprits).probe, parallel: 8, cache });
    const judge = simulatedJudge(culprits);

    const second = await findCulprits({ units, probe: judge.probe, parallel: 8, cache });

    expect(first.builds).toBeGreaterThan(0);
    expect(second.builds).toBe(0);
    expect(judge.calls).toBe(0);
    expect(second.probes).toBe(first.probes);
    expect(second.culprits).toEqual(first.culprits);
    expect(cache.entries.size).toBe(first.builds);
  });

  it('when a run is aborted mid-way and resumed with the cache, it builds less than from scratch and finds the same culprits', async () => {
    const scratch = await findCulprits({ units, probe: simulatedJudge(culprits).probe, parallel: 8 });
    const cache = memoryCache();
    const controller = new AbortController();
    let built = 0;
    const aborted = await findCulprits({
      units, parallel: 8, cache, signal: controller.signal,
      probe: simulatedJudge(culprits).probe,
      onProbe: () => {
        built += 1;
        if (built === 20) controller.abort(new Error('controller killed'));
      },
    }).catch((e: unknown) => e);
    const cachedBeforeResume = cache.entries.size;
    const judge = simulatedJudge(culprits);

    const resumed = await findCulprits({ units, probe: judge.probe, parallel: 8, cache });

    expect(aborted).toMatchObject({ message: 'controller killed' });
    expect(cachedBeforeResume).toBeGreaterThanOrEqual(20);
    expect(cachedBeforeResume).toBeLessThan(scratch.builds);
    expect(resumed.builds).toBe(scratch.builds - cachedBeforeResume);
    expect(resumed.culprits).toEqual(scratch.culprits);
    expect(resumed.culprits).toContainEqual(['u0100', 'u0400']);
  });

  it('when the same set is listed in another order, it has the same probe key', () => {
    expect(probeKey(['b', 'a', 'c'])).toBe(probeKey(new Set(['c', 'b', 'a'])));
    expect(probeKey(['a', 'b'])).not.toBe(probeKey(['a', 'b', 'c']));
    expect(probeKey(['a,b'])).not.toBe(probeKey(['a', 'b']));
  });
});
