import { describe, expect, it } from 'vitest';
import { batchSizeFor, gateBatch, type BatchOps } from '../../harness/gate/index.ts';

/**
 * Commits are strings: merging `x` onto `base` gives `base+x`. A commit fails
 * its tests when it contains a bad branch, or every branch of a bad pair.
 */
function ops(options: { bad?: string[]; conflicts?: string[]; badPairs?: Array<[string, string]> }): BatchOps<string> & { tested: string[] } {
  const tested: string[] = [];
  return {
    tested,
    async combine(base, candidates) {
      let tip = base;
      const merged: Array<{ candidate: string; commit: string }> = [];
      const conflicted: Array<{ candidate: string; files: string[] }> = [];
      for (const candidate of candidates) {
        if (options.conflicts?.includes(candidate)) {
          conflicted.push({ candidate, files: [`${candidate}.txt`] });
          continue;
        }
        tip = `${tip}+${candidate}`;
        merged.push({ candidate, commit: tip });
      }
      return { tip, merged, conflicted };
    },
    async test(commit) {
      tested.push(commit);
      const parts = commit.split('+');
      const bad = (options.bad ?? []).some((b) => parts.includes(b)) || (options.badPairs ?? []).some(([a, b]) => parts.includes(a) && parts.includes(b));
      return { passed: !bad, detail: bad ? 'FAIL' : '' };
    },
  };
}

const branches = (n: number) => Array.from({ length: n }, (_, i) => `b${i + 1}`);

describe('batched gating', () => {
  it('when every branch is good, it lets the whole batch in with one test run', async () => {
    const result = await gateBatch('main', branches(16), ops({}));
    expect(result.runs).toBe(1);
    expect(result.accepted.map((a) => a.candidate)).toEqual(branches(16));
    expect(result.head).toBe(`main+${branches(16).join('+')}`);
    expect(result.rejected).toEqual([]);
  });

  it('when one branch of sixteen breaks the tests, it finds it in 1 + log2(16) runs: those before it go in, it is rejected, those after it are deferred', async () => {
    const fake = ops({ bad: ['b7'] });
    const result = await gateBatch('main', branches(16), fake);
    expect(result.rejected).toEqual([{ candidate: 'b7', kind: 'tests', detail: 'FAIL' }]);
    expect(result.accepted.map((a) => a.candidate)).toEqual(branches(6));
    expect(result.deferred).toEqual(branches(16).slice(7));
    expect(result.head).toBe(`main+${branches(6).join('+')}`);
    expect(result.runs).toBe(5);
    expect(result.runs).toBe(fake.tested.length);
  });

  it('when the rejected branch is judged, the commit that failed is exactly the accepted prefix plus that branch', async () => {
    const fake = ops({ bad: ['b3'] });
    await gateBatch('main', branches(8), fake);
    expect(fake.tested).toContain('main+b1+b2+b3');
    expect(fake.tested).toContain('main+b1+b2');
  });

  it('when a branch conflicts, it is rejected with its files and the others go in', async () => {
    const result = await gateBatch('main', ['a', 'b', 'c'], ops({ conflicts: ['b'] }));
    expect(result.rejected).toEqual([{ candidate: 'b', kind: 'conflict', files: ['b.txt'] }]);
    expect(result.head).toBe('main+a+c');
  });

  it('when two branches pass alone but fail together, it lets the first in and rejects the second', async () => {
    const result = await gateBatch('main', ['a', 'b', 'c', 'd'], ops({ badPairs: [['a', 'd']] }));
    expect(result.rejected.map((r) => r.candidate)).toEqual(['d']);
    expect(result.head).toBe('main+a+b+c');
    expect(result.deferred).toEqual([]);
  });

  it('when deferred branches are gated again on the new main, as the queue does, exactly the good ones go in and main never holds a bad one', async () => {
    const fake = ops({ bad: ['b2', 'b9', 'b10'] });
    let head = 'main';
    let waiting = branches(12);
    const accepted: string[] = [];
    const rejected: string[] = [];
    while (waiting.length > 0) {
      const result = await gateBatch(head, waiting, fake);
      head = result.head;
      accepted.push(...result.accepted.map((a) => a.candidate));
      rejected.push(...result.rejected.map((r) => r.candidate));
      waiting = result.deferred;
    }
    expect(rejected).toEqual(['b2', 'b9', 'b10']);
    expect(accepted).toEqual(branches(12).filter((b) => !['b2', 'b9', 'b10'].includes(b)));
    expect(head.split('+')).toEqual(['main', ...accepted]);
  });

  it('when every branch is bad, it rejects the first, defers the rest, and main stays where it was', async () => {
    const result = await gateBatch('main', ['a', 'b', 'c'], ops({ bad: ['a', 'b', 'c'] }));
    expect(result.head).toBe('main');
    expect(result.accepted).toEqual([]);
    expect(result.rejected.map((r) => r.candidate)).toEqual(['a']);
    expect(result.deferred).toEqual(['b', 'c']);
  });
});

describe('batch size', () => {
  it.each([
    [{ accepted: 0, rejected: 0 }, 14],
    [{ accepted: 180, rejected: 0 }, 139],
    [{ accepted: 90, rejected: 10 }, 8],
    [{ accepted: 0, rejected: 40 }, 1],
  ])('when the gate has seen %o, it batches about ln2 / p branches (%i)', (stats, size) => {
    expect(batchSizeFor(stats)).toBe(size);
  });
});
