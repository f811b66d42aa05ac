import { describe, expect, it } from 'vitest';
import { FakeRuntime, gantryLabels, LABEL, reapOrphans, reapOwn, reapTask, runSelector, type ContainerSpec } from '../../harness/runtime/index.ts';

const RUN = 'run-1';

function spec(labels: Record<string, string>): ContainerSpec {
  return {
    image: 'img', command: ['sleep'], env: {}, mounts: [], labels, network: 'none', user: '1000:1000',
    limits: { memoryBytes: 1, nanoCpus: 1, pids: 1, fileSizeBytes: 1 },
  };
}

/** A fake runtime with hanging containers of `labels` each; an owner goes on as gantry.owner as DockerRuntime puts it. */
async function running(containers: Array<{ task: string; owner?: string; run?: string }>): Promise<FakeRuntime> {
  const runtime = new FakeRuntime({ script: async () => ({ hang: true }) });
  for (const { task, owner, run } of containers) {
    const labels = { ...gantryLabels({ run: run ?? RUN, task, purpose: 'session' }), ...(owner ? { [LABEL.owner]: owner } : {}) };
    void runtime.run(spec(labels), { timeoutMs: 60_000 });
  }
  await new Promise((resolve) => setImmediate(resolve));
  return runtime;
}

async function tasksLeft(runtime: FakeRuntime, run = RUN): Promise<string[]> {
  // A removed fake container leaves the list once its run() has settled.
  await new Promise((resolve) => setImmediate(resolve));
  return (await runtime.list(runSelector(run))).map((c) => `${c.labels[LABEL.task]}/${c.labels[LABEL.owner] ?? '-'}`).sort();
}

describe('reapOrphans', () => {
  it('when owners are alive or gone, it removes the containers of the gone ones and of none, and keeps the live ones\' and other runs\'', async () => {
    const runtime = await running([
      { task: 'a', owner: 'live' }, { task: 'b', owner: 'dead' }, { task: 'c', owner: 'dead' }, { task: 'd' }, { task: 'e', owner: 'dead', run: 'other' },
    ]);

    const removed = await reapOrphans(runtime, RUN, { isAlive: async (owner) => owner === 'live' });

    expect(removed).toBe(3);
    expect(await tasksLeft(runtime)).toEqual(['a/live']);
    expect(await tasksLeft(runtime, 'other')).toEqual(['e/dead']);
  });

  it('when a container without owner has labels that a live owner\'s container has too, it is left for later rather than taking the live one with it', async () => {
    const runtime = await running([{ task: 'a', owner: 'live' }, { task: 'a' }]);

    const removed = await reapOrphans(runtime, RUN, { isAlive: async () => true });

    expect(removed).toBe(0);
    expect(await tasksLeft(runtime)).toEqual(['a/-', 'a/live']);
  });

  it('when liveness cannot be told (Redis down), it removes nothing and throws', async () => {
    const runtime = await running([{ task: 'a', owner: 'someone' }]);

    await expect(reapOrphans(runtime, RUN, { isAlive: async () => { throw new Error('Connection is closed.'); } })).rejects.toThrow('Connection is closed.');
    expect(await tasksLeft(runtime)).toEqual(['a/someone']);
  });

  it('when no liveness check is given, every container of the run is an orphan', async () => {
    const runtime = await running([{ task: 'a', owner: 'x' }, { task: 'b' }]);

    expect(await reapOrphans(runtime, RUN)).toBe(2);
    expect(await tasksLeft(runtime)).toEqual([]);
  });
});

describe('reapOwn and reapTask', () => {
  it('when a controller stops, reapOwn removes its own containers only', async () => {
    const runtime = await running([{ task: 'a', owner: 'me' }, { task: 'b', owner: 'other' }, { task: 'c' }]);

    expect(await reapOwn(runtime, RUN, 'me')).toBe(1);
    expect(await tasksLeft(runtime)).toEqual(['b/other', 'c/-']);
  });

  it('when a worker takes a task, reapTask removes every container of that task whoever made it, and nothing else', async () => {
    const runtime = await running([{ task: 'a', owner: 'killed' }, { task: 'a', owner: 'stale' }, { task: 'b', owner: 'killed' }]);

    expect(await reapTask(runtime, RUN, 'a')).toBe(2);
    expect(await tasksLeft(runtime)).toEqual(['b/killed']);
  });
});
