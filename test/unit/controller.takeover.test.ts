import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { takeOverTask } from '../../harness/controller/task-takeover.ts';
import { silentLogger } from '../../harness/log.ts';
import { FakeRuntime, gantryLabels, LABEL, runSelector, type ContainerExit, type ContainerSpec } from '../../harness/runtime/index.ts';

const RUN = 'run-1';

function spec(task: string, owner: string): ContainerSpec {
  return {
    image: 'img', command: ['agent'], env: {}, mounts: [], network: 'none', user: '1000:1000',
    labels: { ...gantryLabels({ run: RUN, task, purpose: 'session' }), [LABEL.owner]: owner },
    limits: { memoryBytes: 1, nanoCpus: 1, pids: 1, fileSizeBytes: 1 },
  };
}

/** Runs one container per entry; each ends by itself after `endsAfterMs`, or never. */
async function running(containers: Array<{ task: string; owner: string; endsAfterMs?: number }>): Promise<{ runtime: FakeRuntime; exits: Array<Promise<ContainerExit>> }> {
  const ends = new Map(containers.map((c) => [`${c.task}/${c.owner}`, c.endsAfterMs]));
  const runtime = new FakeRuntime({
    script: async (s) => {
      const after = ends.get(`${s.labels[LABEL.task]}/${s.labels[LABEL.owner]}`);
      if (after === undefined) return { hang: true };
      await sleep(after);
      return { exitCode: 0 };
    },
  });
  const exits = containers.map((c) => runtime.run(spec(c.task, c.owner), { timeoutMs: 60_000 }));
  await sleep(0);
  return { runtime, exits };
}

const alive = (...owners: string[]) => async (owner: string) => owners.includes(owner);

describe('takeOverTask', () => {
  it('when no live controller runs a container of the task, it removes them at once and leaves other tasks alone', async () => {
    const { runtime, exits } = await running([{ task: 'a', owner: 'killed' }, { task: 'b', owner: 'killed' }]);
    const started = Date.now();

    const removed = await takeOverTask({ runtime, run: RUN, task: 'a', isAlive: alive(), graceMs: 5_000, pollMs: 20, logger: silentLogger });

    expect(removed).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await exits[0])?.exitCode).toBe(137);
    expect((await runtime.list(runSelector(RUN))).map((c) => c.labels[LABEL.task])).toEqual(['b']);
  });

  it('when a live controller\'s container of the task ends within the grace (its shutdown checkpoint), it waits for it and removes nothing', async () => {
    const { runtime, exits } = await running([{ task: 'a', owner: 'stopping', endsAfterMs: 200 }]);

    const removed = await takeOverTask({ runtime, run: RUN, task: 'a', isAlive: alive('stopping'), graceMs: 5_000, pollMs: 20, logger: silentLogger });

    expect(removed).toBe(0);
    expect((await exits[0])?.exitCode).toBe(0);
  });

  it('when a live controller\'s container of the task outlasts the grace, it is removed then', async () => {
    const { runtime, exits } = await running([{ task: 'a', owner: 'stale' }]);
    const started = Date.now();

    const removed = await takeOverTask({ runtime, run: RUN, task: 'a', isAlive: alive('stale'), graceMs: 300, pollMs: 20, logger: silentLogger });

    expect(removed).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect((await exits[0])?.exitCode).toBe(137);
  });

  it('when liveness cannot be told, the owner counts as alive: it waits out the grace before removing', async () => {
    const { runtime } = await running([{ task: 'a', owner: 'unknown' }]);
    const started = Date.now();

    const removed = await takeOverTask({ runtime, run: RUN, task: 'a', isAlive: async () => { throw new Error('Connection is closed.'); }, graceMs: 300, pollMs: 20, logger: silentLogger });

    expect(removed).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
