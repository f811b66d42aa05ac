import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskSpace } from '../../harness/controller/index.ts';
import { GantryError, isGantryError } from '../../harness/errors.ts';

function noSpace(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('DiskSpace', () => {
  let dir: string;
  let lines: string[];
  const space = (minFreeBytes: number) => new DiskSpace({ dir, minFreeBytes, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-disk-'));
    lines = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with room, requireSpace passes and explain leaves an ordinary failure as it is', async () => {
    const disk = space(1);
    await disk.requireSpace();
    const failure = new GantryError('AGENT_FAILED', 'the agent made no commit', { retryable: true });
    expect(await disk.explain(failure)).toBe(failure);
  });

  it('with room, a write that failed with ENOSPC (a disk full a moment ago) is DISK_FULL, the original error kept as its cause', async () => {
    const cause = noSpace();
    const explained = await space(1).explain(new GantryError('GIT_FAILED', 'git fetch failed', { cause }));
    expect(isGantryError(explained) && [explained.code, explained.retryable]).toEqual(['DISK_FULL', true]);
    expect(((explained as Error).cause as Error).cause).toBe(cause);
  });

  it('with room, an error that only says "No space left on device" in its text stays as it is: an agent cannot pass its failure off as the disk\'s', async () => {
    const failure = new GantryError('GATE_FAILED', 'test output: write /tmp/x: No space left on device', { retryable: true });
    expect(await space(1).explain(failure)).toBe(failure);
  });

  it('short of space, any failure is the disk\'s; the shortage is logged once as an error, and the end of it once', async () => {
    const short = space(Number.MAX_SAFE_INTEGER);
    const explained = await short.explain(new GantryError('AGENT_FAILED', 'the agent made no commit', { retryable: true }));
    expect(isGantryError(explained) && explained.code).toBe('DISK_FULL');
    await expect(short.requireSpace()).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expect(short.requireSpace()).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(lines.filter((line) => line.includes('paused'))).toHaveLength(1);
  });

  it('once space is freed after a shortage, requireSpace passes again and says the run goes on', async () => {
    const disk = space(1);
    await disk.explain(noSpace());
    await disk.requireSpace();
    await disk.requireSpace();
    expect(lines.filter((line) => line.includes('has room again'))).toHaveLength(1);
  });
});
