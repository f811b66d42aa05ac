import { describe, expect, it } from 'vitest';
import { CulpritEstimate } from '../../harness/oracle/culprit-estimate.ts';
import { firstPartSize, poolGroupSize } from '../../harness/oracle/group-sizes.ts';

describe('group sizes, one probe at a time', () => {
  it('when nothing is known yet, the first part of the region is under half: a half would fail for certain if culprits are dense', () => {
    const part = firstPartSize(new CulpritEstimate(64), 64);

    expect(part).toBeGreaterThan(1);
    expect(part).toBeLessThan(32);
  });

  it('when parts keep passing, the parts grow back to about half (one culprit is likely)', () => {
    const estimate = new CulpritEstimate(512);
    for (const [size, within] of [[89, 512], [136, 423], [114, 287], [76, 173]] as const) estimate.part(size, within, false);

    expect(firstPartSize(estimate, 64)).toBeGreaterThanOrEqual(28);
  });

  it('when groups keep failing, pool groups shrink, and a pool group is never larger than the pool', () => {
    const estimate = new CulpritEstimate(64);
    const before = poolGroupSize(estimate, 64);
    for (let i = 0; i < 4; i += 1) estimate.group(8, true);

    expect(poolGroupSize(estimate, 64)).toBeLessThan(before);
    expect(poolGroupSize(new CulpritEstimate(64), 3)).toBeLessThanOrEqual(3);
    expect(poolGroupSize(estimate, 1)).toBe(1);
  });
});
