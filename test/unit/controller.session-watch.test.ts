import { mkdtemp, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionWatch } from '../../harness/controller/session-watch.ts';
import { measureTree } from '../../harness/controller/tree-usage.ts';
import type { ContainerUsage } from '../../harness/runtime/index.ts';

const LIMITS = { diskBytes: 10_000, files: 20, pids: 8, idleTimeoutMs: 60_000 };
const idle: ContainerUsage = { pids: 1, cpuNs: 0, networkBytes: 0, outputBytes: 0 };

describe('SessionWatch', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-watch-'));
    clock = 1_000_000;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** One look after `ms` more of the clock. */
  const lookAfter = (watch: SessionWatch, ms: number, usage: ContainerUsage = idle) => {
    clock += ms;
    return watch.check(usage);
  };

  it('when nothing moves for the idle timeout, it stops the session as hung, saying for how long', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);
    expect(await lookAfter(watch, 0)).toBeUndefined();
    expect(await lookAfter(watch, 59_000)).toBeUndefined();

    expect(await lookAfter(watch, 2_000)).toBe('hung');
    expect(watch.verdict?.detail).toMatch(/no output, no change in its work tree, no CPU or network use for 61 s/);
  });

  it.each<[string, (usage: ContainerUsage) => ContainerUsage]>([
    ['output', (u) => ({ ...u, outputBytes: u.outputBytes + 10 })],
    ['network traffic', (u) => ({ ...u, networkBytes: u.networkBytes + 1500 })],
    ['CPU use', (u) => ({ ...u, cpuNs: u.cpuNs + 5e9 })],
  ])('when a slow session shows %s now and then, it is never stopped', async (_what, progress) => {
    const watch = new SessionWatch(dir, LIMITS, now);
    let usage = idle;
    for (let look = 0; look < 20; look += 1) {
      if (look % 10 === 0) usage = progress(usage);
      expect(await lookAfter(watch, 5_000, usage)).toBeUndefined();
    }
    expect(await lookAfter(watch, 61_000, usage)).toBe('hung');
  });

  it('when only the work tree changes (a heartbeat touches a file), the session is not idle', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);
    for (let look = 1; look <= 30; look += 1) {
      if (look % 8 === 0) await writeFile(join(dir, 'heartbeat'), String(look));
      expect(await lookAfter(watch, 5_000)).toBeUndefined();
    }
  });

  it('when a little CPU ticks over (an idle init), it does not count as progress', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);
    let usage = idle;
    await lookAfter(watch, 0, usage);
    for (let look = 0; look < 12; look += 1) {
      usage = { ...usage, cpuNs: usage.cpuNs + 1e6 };
      const reason = await lookAfter(watch, 5_000, usage);
      if (reason) {
        expect(reason).toBe('hung');
        return;
      }
    }
    throw new Error('an idle container was never stopped');
  });

  it('when the work tree grows past the disk limit, it stops the session at once', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);
    expect(await lookAfter(watch, 0)).toBeUndefined();
    await writeFile(join(dir, 'big'), Buffer.alloc(10_001));

    expect(await lookAfter(watch, 5_000)).toBe('disk');
    expect(watch.verdict?.detail).toMatch(/container\.disk/);
  });

  it('when the work tree holds more entries than allowed, it stops the session', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);
    await mkdir(join(dir, 'many'));
    for (let i = 0; i < 21; i += 1) await writeFile(join(dir, 'many', `f${i}`), '');

    expect(await lookAfter(watch, 0)).toBe('files');
    expect(watch.verdict?.detail).toMatch(/20 files \(container\.files\)/);
  });

  it('when the process count reaches the limit, it notes it and lets the session run', async () => {
    const watch = new SessionWatch(dir, LIMITS, now);

    expect(await lookAfter(watch, 0, { ...idle, pids: 8, cpuNs: 1e9 })).toBeUndefined();
    expect(watch.pidsLimitReached).toBe(true);
  });
});

describe('measureTree', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-tree-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when the tree has files, directories and a link to /, it counts sizes and entries without following the link', async () => {
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/b/one'), 'x'.repeat(100));
    await writeFile(join(dir, 'two'), 'y'.repeat(50));
    await symlink('/', join(dir, 'escape'));
    await utimes(join(dir, 'two'), new Date(5_000_000_000_000), new Date(5_000_000_000_000));

    const usage = await measureTree(dir, { bytes: 1e9, entries: 1e9 });

    expect(usage).toEqual({ bytes: 150, entries: 5, newestMs: 5_000_000_000_000 });
  });

  it('when the tree is past a bound, the walk stops soon after it', async () => {
    for (let i = 0; i < 50; i += 1) await writeFile(join(dir, `f${i}`), 'z');

    const usage = await measureTree(dir, { bytes: 1e9, entries: 10 });

    expect(usage.entries).toBe(11);
  });
});
