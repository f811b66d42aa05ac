import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/gate/prng.ts';
import { findCulprits, probeKey, type ProbeEvent } from '../../harness/oracle/index.ts';
import { drawUnits, simulatedJudge, unitNames } from '../helpers/oracle-judge.ts';

const sorted = (culprits: readonly (readonly string[])[]) => culprits.map((set) => [...set].sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));

describe('findCulprits with a deterministic judge', () => {
  it.each([0, 1, 2, 3, 5, 10])('when %i single units fail, it finds exactly those units', async (k) => {
    for (const seed of [1, 2, 3]) {
      const units = unitNames(200);
      const culprits = drawUnits(units, k, mulberry32(seed * 31 + k)).map((unit) => [unit]);
      const judge = simulatedJudge(culprits);

      const result = await findCulprits({ units, probe: judge.probe, parallel: 8, confirm: 1 });

      expect(result.culprits).toEqual(sorted(culprits));
      expect(result.builds).toBe(judge.calls);
      expect(result.probes).toBe(result.builds);
    }
  });

  it.each([
    ['a pair', [['u0017', 'u0140']]],
    ['a triple', [['u0003', 'u0099', 'u0180']]],
    ['a pair inside one half', [['u0010', 'u0011']]],
    ['singles and a pair', [['u0042'], ['u0120'], ['u0005', 'u0190']]],
    ['two pairs sharing a unit', [['u0007', 'u0150'], ['u0007', 'u0160']]],
  ])('when %s fail only together, it reports each set as one culprit', async (_, culprits) => {
    const judge = simulatedJudge(culprits);

    const result = await findCulprits({ units: unitNames(200), probe: judge.probe, parallel: 8 });

    expect(result.culprits).toEqual(sorted(culprits));
    expect(result.flaky).toBe(false);
  });

  it('when confirm is 2, each culprit and the mix without them were answered twice', async () => {
    const culprits = [['u0011'], ['u0077']];
    const asked = new Map<string, number>();
    const judge = simulatedJudge(culprits);

    const result = await findCulprits({
      units: unitNames(100), probe: judge.probe, parallel: 4, confirm: 2,
      onProbe: ({ set }) => asked.set(probeKey(set), (asked.get(probeKey(set)) ?? 0) + 1),
    });

    expect(result.culprits).toEqual(culprits);
    expect(asked.get(probeKey(['u0011']))).toBe(2);
    expect(asked.get(probeKey(['u0077']))).toBe(2);
    expect(asked.get(probeKey(unitNames(100).filter((u) => u !== 'u0011' && u !== 'u0077')))).toBe(2);
  });

  it('when probes run in parallel, no round holds more than `parallel` probes and rounds are counted', async () => {
    const events: ProbeEvent[] = [];
    const culprits = drawUnits(unitNames(512), 10, mulberry32(5)).map((unit) => [unit]);

    const result = await findCulprits({ units: unitNames(512), probe: simulatedJudge(culprits).probe, parallel: 8, confirm: 1, onProbe: (e) => events.push(e) });

    const perRound = new Map<number, number>();
    for (const { round } of events) perRound.set(round, (perRound.get(round) ?? 0) + 1);
    expect(Math.max(...perRound.values())).toBeLessThanOrEqual(8);
    expect(perRound.size).toBe(result.rounds);
    expect(result.rounds).toBeLessThan(result.builds / 2);
  });

  it('when the all-oracle mix fails too, it stops with ORACLE_BASELINE_FAILS', async () => {
    const error = await findCulprits({ units: unitNames(8), probe: async () => 'fail', parallel: 4, confirm: 1 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'ORACLE_BASELINE_FAILS', message: expect.stringContaining('all-oracle') });
  });

  it('when options are wrong, it throws ORACLE_INVALID naming the option', async () => {
    const probe = simulatedJudge([]).probe;
    await expect(findCulprits({ units: ['a'], probe, parallel: 0 })).rejects.toMatchObject({ code: 'ORACLE_INVALID', message: expect.stringContaining('parallel') });
    await expect(findCulprits({ units: ['a'], probe, parallel: 2, confirm: 0 })).rejects.toMatchObject({ code: 'ORACLE_INVALID', message: expect.stringContaining('confirm') });
    await expect(findCulprits({ units: ['a', 'a'], probe, parallel: 2 })).rejects.toMatchObject({ code: 'ORACLE_INVALID', message: expect.stringContaining('"a"') });
  });

  it('when the probe answers something else than pass or fail, it throws ORACLE_INVALID', async () => {
    const probe = async () => 'maybe' as unknown as 'pass';

    await expect(findCulprits({ units: unitNames(4), probe, parallel: 2 })).rejects.toMatchObject({ code: 'ORACLE_INVALID' });
  });
});

describe('findCulprits with a flaky judge', () => {
  it('when every answer is wrong 10 % of the time, the culprits are still exact over many seeds', async () => {
    for (let seed = 1; seed <= 24; seed += 1) {
      const random = mulberry32(seed);
      const units = unitNames(64);
      const picked = drawUnits(units, 1 + (seed % 4), random);
      // Every fourth seed, the last two units fail only together.
      const culprits = seed % 4 === 0 ? [...picked.slice(0, -2).map((u) => [u]), picked.slice(-2)] : picked.map((u) => [u]);
      const judge = simulatedJudge(culprits, { flakeRate: 0.1, seed });

      const result = await findCulprits({ units, probe: judge.probe, parallel: 8, confirm: 3 });

      expect(result.culprits, `seed ${seed}`).toEqual(sorted(culprits));
    }
  });

  it('when answers for the same mix disagree, it says the judge is flaky and counts every repeat as a build', async () => {
    const judge = simulatedJudge([['u0020']], { flakeRate: 0.2, seed: 3 });

    const result = await findCulprits({ units: unitNames(64), probe: judge.probe, parallel: 8, confirm: 3 });

    expect(result.culprits).toEqual([['u0020']]);
    expect(result.flaky).toBe(true);
    expect(result.builds).toBe(judge.calls);
  });
});
