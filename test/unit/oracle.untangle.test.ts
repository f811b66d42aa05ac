import { describe, expect, it } from 'vitest';
import { untangle } from '../../harness/oracle/minimal-failing-set.ts';
import type { Ask } from '../../harness/oracle/region-search.ts';
import { unitNames } from '../helpers/oracle-judge.ts';

/** A judge that fails iff the mix holds every unit of `set`, recording each mix asked. */
function judge(set: readonly string[]): { ask: Ask; asked: string[][] } {
  const asked: string[][] = [];
  const ask: Ask = async (mix) => {
    asked.push([...mix]);
    return set.every((unit) => mix.includes(unit)) ? 'fail' : 'pass';
  };
  return { ask, asked };
}

/** The chain a halving leaves when every first part passes: each next group is the second part of the one before. */
function halvingChain(group: readonly string[]): string[][] {
  const chain = [[...group]];
  for (let units = [...group]; units.length > 1; ) {
    units = units.slice(Math.ceil(units.length / 2));
    chain.push(units);
  }
  return chain;
}

describe('untangle', () => {
  it('when the pair straddles the first halving, it asks the next group once instead of bisecting the chain', async () => {
    const group = unitNames(64);
    const { ask, asked } = judge(['u0005', 'u0040']);

    const set = await untangle(halvingChain(group), ask, ask);

    expect(set).toEqual(['u0005', 'u0040']);
    // The walk: one probe (the second half passes), then the recheck of the group.
    expect(asked[0]).toEqual(group.slice(32));
    expect(asked[1]).toEqual(group);
  });

  it('when the pair lies deeper in the chain, it walks down to the smallest failing group', async () => {
    const group = unitNames(64);
    const { ask } = judge(['u0050', 'u0060']);

    expect(await untangle(halvingChain(group), ask, ask)).toEqual(['u0050', 'u0060']);
  });

  it('the search for the first unit of the set skips the part known to pass: about log2 of the other part, plus log2 of the group for its partner', async () => {
    const group = unitNames(64);
    const { ask, asked } = judge(['u0005', 'u0040']);

    await untangle(halvingChain(group), ask, ask);

    // 2 (walk, recheck) + 5 (u0005 among the 32 units of the first half) + 6 (u0040 among the 32 + 4 before it) + 1 (the pair alone).
    expect(asked.length).toBeLessThanOrEqual(14);
    // Every mix of the first search holds the passing half.
    expect(asked[2]).toEqual(expect.arrayContaining(group.slice(32)));
  });

  it('when the group passes on the recheck (its first answer was wrong), it gives up without reducing it', async () => {
    let rechecks = 0;
    const ask: Ask = async () => 'pass';
    const recheck: Ask = async () => {
      rechecks += 1;
      return 'pass';
    };

    expect(await untangle(halvingChain(unitNames(16)), ask, recheck)).toBeUndefined();
    expect(rechecks).toBe(1);
  });
});
