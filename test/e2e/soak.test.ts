import { describe, expect, inject, it } from 'vitest';
import { runSoak } from '../../bench/soak.ts';

const MIB = 2 ** 20;

/**
 * The CI-sized soak (bench/soak.ts runs 30 minutes): 3 minutes of scripted
 * tasks. "Bounded" here means, after the warm-up:
 * - live heap (after a forced collection): the last third's median at most
 *   8 MiB above the first third's. The live heap is what a leak grows; 8 MiB
 *   over about a hundred tasks catches a leak of tens of KiB a task;
 * - RSS: at most 64 MiB above. Generous on purpose: the allocator keeps freed
 *   pages and RSS lags the heap, so only a gross leak shows here in 3 minutes;
 * - disk: once idle, no work tree is left (finished ones are removed), and
 *   what stays (logs, journal, git objects, archived branches) is under
 *   512 KiB a task: it grows with the work done, not with time.
 */
describe('soak', () => {
  it('when a controller is fed scripted tasks for 3 minutes, its live heap and RSS stay flat after the warm-up, no work tree outlives its task, and it stops cleanly', { timeout: 420_000 }, async () => {
    const result = await runSoak({ redisUrl: inject('redisUrl'), minutes: 3, sampleEveryMs: 10_000 });
    const { rssBytes, heapBytes, disk, tasks } = result.summary;
    const figures = JSON.stringify(result.summary);

    expect(result.controllerExit, figures).toBe(0);
    expect(tasks.ended, figures).toBe(tasks.added);
    expect(tasks.ended, figures).toBeGreaterThanOrEqual(30);
    expect(result.samples.filter((s) => s.phase === 'feeding').length, figures).toBeGreaterThanOrEqual(15);

    expect(heapBytes.start, figures).toBeGreaterThan(0);
    expect(heapBytes.growth, figures).toBeLessThanOrEqual(8 * MIB);
    expect(rssBytes.growth, figures).toBeLessThanOrEqual(64 * MIB);

    expect(disk.workTreesIdle, figures).toBe(0);
    expect(disk.workIdleBytes, figures).toBeLessThanOrEqual(MIB);
    expect(disk.bytesPerTask, figures).toBeLessThanOrEqual(512 * 1024);
  });
});
