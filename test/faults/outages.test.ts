import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runThroughOutage, type OutageResult } from './outage.ts';

const OUTAGE_MS = 30_000;
const TASKS = 8;

/** Every task merged; nothing the invariants forbid; no process exited on its own. */
function expectWhole(result: OutageResult): void {
  const summary = [...result.problems, ...result.violations.map((v) => `${v.invariant} (${v.kind}): ${v.message}`)].join('\n');
  expect(result.problems, summary).toEqual([]);
  expect(result.violations, summary).toEqual([]);
  expect(result.tasks.map((record) => record.state), summary).toEqual(Array.from({ length: TASKS }, () => 'completed'));
  expect(result.fsck).toBe('');
}

describe('long outages in the middle of a run', () => {
  it(`when Redis is down for ${OUTAGE_MS / 1000} s, the controller and the worker wait and go on: every task merges once, nothing is lost`, async () => {
    const result = await runThroughOutage({
      begin: (rig) => rig.redis.kill(),
      end: (rig) => rig.redis.restart(),
      lastsMs: OUTAGE_MS,
    }, { tasks: TASKS, log: (line) => console.log(`redis outage: ${line}`) });

    expectWhole(result);
  }, 420_000);

  it('when the state directory\'s disk is full, the run pauses with an error that names the directory and the setting, and goes on once space is freed, nothing corrupted', async () => {
    const filler = (project: { dir: string }) => join(project.dir, 'state', 'filler');
    const result = await runThroughOutage({
      // A small file system of its own, so that filling it touches nothing else.
      async prepare(project) {
        const state = join(project.dir, 'state');
        await mkdir(state);
        await execa('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', state]);
      },
      // Written until the file system refuses (agents write beside it, so a size measured first could be too much).
      async begin(_rig, project) {
        const full = await execa('dd', ['if=/dev/zero', `of=${filler(project)}`, 'bs=1M'], { reject: false });
        if (!full.stderr.includes('No space left on device')) throw new Error(`dd did not fill the state directory: ${full.stderr}`);
      },
      end: (_rig, project) => rm(filler(project), { force: true }),
      cleanup: async (project) => { await execa('umount', ['--lazy', join(project.dir, 'state')], { reject: false }); },
      lastsMs: OUTAGE_MS,
    }, { tasks: TASKS, project: { limits: { minFreeDisk: '16m' } }, log: (line) => console.log(`disk full: ${line}`) });

    expectWhole(result);
    expect(result.logs).toMatch(/the file system of the state directory \S+ has \d+ MiB free, less than limits\.minFreeDisk \(16 MiB\)/);
    expect(result.logs).toContain('paused');
    expect(result.logs).toContain('the state directory has room again');
    // Paused: in the second half of the outage no session runs and main does not move.
    const late = result.samples.filter((sample) => sample.atMs >= OUTAGE_MS / 2);
    expect(late.length).toBeGreaterThan(5);
    expect(late.map((sample) => sample.sessions)).toEqual(late.map(() => 0));
    expect(new Set(late.map((sample) => sample.head)).size).toBe(1);
  }, 420_000);
});
