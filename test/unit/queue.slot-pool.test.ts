import { describe, expect, it } from 'vitest';
import { SlotPool } from '../../harness/queue/index.ts';

const live = () => new AbortController().signal;

describe('the slot pool', () => {
  it('when no slot is free, the next goes to the role holding fewest, then the higher priority, then the earlier asker', async () => {
    const pool = new SlotPool(2);
    const core1 = await pool.acquire('core', 90, live());
    const core2 = await pool.acquire('core', 90, live());
    const granted: string[] = [];
    const ask = (name: string, role: string, priority: number) => pool.acquire(role, priority, live()).then((release) => {
      granted.push(name);
      return release;
    });
    const core3 = ask('core3', 'core', 90);
    const docs = ask('docs', 'docs', 10);
    const perfA = ask('perfA', 'perf', 40);
    const perfB = ask('perfB', 'perf', 40);
    expect(pool.waiting).toBe(4);
    // core holds two, the others none: perf (priority 40) before docs (10) and before core, which holds more.
    core1();
    core1(); // a second release of the same slot does nothing
    await perfA;
    expect(granted).toEqual(['perfA']);
    // core now holds none, like docs: the higher priority, core3, goes first.
    core2();
    await core3;
    expect(granted).toEqual(['perfA', 'core3']);
    // perf holds none again, docs none: perfB (40) before docs (10).
    (await perfA)();
    await perfB;
    (await core3)();
    await docs;
    expect(granted).toEqual(['perfA', 'core3', 'perfB', 'docs']);
    (await perfB)();
    (await docs)();
    // Both slots came back, and no more: two are granted at once, a third waits.
    await pool.acquire('core', 90, live());
    await pool.acquire('core', 90, live());
    void pool.acquire('core', 90, live());
    expect(pool.waiting).toBe(1);
  });

  it('when a waiter aborts, it is rejected with the reason and skipped', async () => {
    const pool = new SlotPool(1);
    const held = await pool.acquire('core', 50, live());
    const abort = new AbortController();
    const aborted = pool.acquire('docs', 90, abort.signal);
    const next = pool.acquire('perf', 10, live());
    abort.abort(new Error('shutting down'));
    await expect(aborted).rejects.toThrow('shutting down');
    held();
    await expect(next).resolves.toBeTypeOf('function');
  });
});
