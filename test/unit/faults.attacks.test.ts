import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../harness/reports/index.ts';
import { judgeAttack, type AttackedRun } from '../faults/attacks.ts';

/** A run in which task `<attack>-id` ended `status` with the given containments, and the session logs say `logs`. */
function runOf(tasks: Record<string, { status: string; kinds?: string[] }>, logs = ''): AttackedRun {
  const report = {
    tasks: Object.entries(tasks).map(([attack, { status }]) => ({ id: `${attack}-id`, text: attack, status })),
    contained: Object.entries(tasks).flatMap(([attack, { kinds = [] }]) => kinds.map((kind) => ({ task: `${attack}-id`, kind }))),
  } as unknown as RunReport;
  const ids = Object.fromEntries(Object.keys(tasks).map((attack) => [attack, `${attack}-id`]));
  return { project: undefined as never, report, ids, logs, hostDir: '', token: '' };
}

describe('judgeAttack', () => {
  it('holds an attack that ended as its rule says, with exactly the contained kinds it names (either of two where it allows both)', () => {
    const run = runOf({ forkbomb: { status: 'failed', kinds: ['processes', 'hung'] }, memhog: { status: 'failed', kinds: ['memory'] } });
    expect(judgeAttack(run, 'forkbomb')).toMatchObject({ held: true, seen: 'failed, contained: hung, processes' });
    expect(judgeAttack(run, 'memhog').held).toBe(true);
    expect(judgeAttack(runOf({ forkbomb: { status: 'failed', kinds: ['time', 'processes'] } }), 'forkbomb').held).toBe(true);
  });

  it('does not hold one that merged when it must fail, or was contained by another kind, or by one kind too few', () => {
    expect(judgeAttack(runOf({ bigfile: { status: 'merged', kinds: ['large-file'] } }), 'bigfile').held).toBe(false);
    expect(judgeAttack(runOf({ memhog: { status: 'failed', kinds: ['time'] } }), 'memhog').held).toBe(false);
    expect(judgeAttack(runOf({ forkbomb: { status: 'failed', kinds: ['processes'] } }), 'forkbomb').held).toBe(false);
  });

  it('holds a probe only when its own log says it was blocked, and never when it says it got through', () => {
    expect(judgeAttack(runOf({ redis: { status: 'merged' } }, 'ATTACK redis blocked: 127.0.0.1:6379'), 'redis').held).toBe(true);
    expect(judgeAttack(runOf({ redis: { status: 'merged' } }), 'redis')).toMatchObject({ held: false, seen: 'merged, its probe said nothing' });
    const through = runOf({ redis: { status: 'merged' } }, 'ATTACK redis blocked: 127.0.0.1:6379\nATTACK redis succeeded: reached 172.17.0.1:6379');
    expect(judgeAttack(through, 'redis')).toMatchObject({ held: false, seen: 'merged, its probe got through' });
  });

  it('holds a control only when it went through untouched', () => {
    expect(judgeAttack(runOf({ slow: { status: 'merged' } }), 'slow').held).toBe(true);
    expect(judgeAttack(runOf({ slow: { status: 'failed', kinds: ['hung'] } }), 'slow').held).toBe(false);
  });
});
