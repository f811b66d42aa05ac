import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerRegistry, newControllerId } from '../../harness/controller/index.ts';
import { connectRedis } from '../../harness/queue/index.ts';
import { DockerRuntime, gantryLabels, LABEL, reapOrphans, runSelector, type ContainerSpec } from '../../harness/runtime/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

describe('ControllerRegistry', () => {
  const ctx = useRedisPrefix();

  it('when a controller joins, it is alive and listed until it leaves', async () => {
    const registry = new ControllerRegistry(ctx.redis, ctx.prefix);
    const other = new ControllerRegistry(ctx.redis, ctx.prefix);
    const [me, them] = [newControllerId(), newControllerId()];
    await registry.join(me);
    await other.join(them);

    expect(await registry.isAlive(them)).toBe(true);
    expect((await registry.alive()).sort()).toEqual([me, them].sort());

    await other.leave();
    expect(await registry.isAlive(them)).toBe(false);
    expect(await registry.alive()).toEqual([me]);
    await registry.leave();
  });

  it('when a controller keeps beating, it stays alive past its TTL; when it dies without leaving, it is dead one TTL later', async () => {
    // A connection of its own stands for the controller's process; disconnecting it is the kill.
    const connection = await connectRedis(ctx.url);
    const dying = new ControllerRegistry(connection, ctx.prefix, { ttlMs: 600 });
    const watcher = new ControllerRegistry(ctx.redis, ctx.prefix);
    const id = newControllerId();
    await dying.join(id);

    await sleep(1_200);
    expect(await watcher.isAlive(id)).toBe(true);

    connection.disconnect();
    await sleep(900);
    expect(await watcher.isAlive(id)).toBe(false);
    await dying.leave().catch(() => {});
  });

  it('when its connection comes back after Redis was away, no controller is taken for dead for one TTL (their keys may have lapsed meanwhile)', async () => {
    const connection = await connectRedis(ctx.url);
    const watcher = new ControllerRegistry(connection, ctx.prefix, { ttlMs: 600 });
    const gone = newControllerId();
    expect(await watcher.isAlive(gone)).toBe(false);

    const ready = new Promise((resolve) => connection.once('ready', resolve));
    connection.disconnect(true);
    await ready;
    expect(await watcher.isAlive(gone)).toBe(true);

    await sleep(700);
    expect(await watcher.isAlive(gone)).toBe(false);
    connection.disconnect();
  });

  it('when Redis cannot answer, isAlive never calls the controller dead (it throws or waits)', async () => {
    const closed = await connectRedis(ctx.url);
    closed.disconnect();
    // maxRetriesPerRequest null: a command waits for a reconnect that never comes, so bound the wait.
    const answer = await Promise.race([new ControllerRegistry(closed, ctx.prefix).isAlive('x').then(() => 'answered', () => 'threw'), sleep(500, 'waiting')]);
    expect(answer).not.toBe('answered');
  });
});

describe('container owners with real Docker', () => {
  const ctx = useRedisPrefix();
  const run = `test-${randomUUID()}`;
  const probe = new DockerRuntime();

  afterEach(async () => {
    await probe.removeAll(runSelector(run));
  });

  const sleeper = (): ContainerSpec => ({
    image: 'gantry/agent-base', command: ['sleep', '60'], env: {}, mounts: [], network: 'none', user: '1000:1000',
    labels: gantryLabels({ run, task: 'owned', purpose: 'session' }),
    limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 250_000_000, pids: 16, fileSizeBytes: 1024 * 1024 },
  });

  it('when two controllers share a run and one is gone, the reaper removes only the gone one\'s containers', async () => {
    const registry = new ControllerRegistry(ctx.redis, ctx.prefix);
    const [live, gone] = [newControllerId(), newControllerId()];
    await registry.join(live);
    const runs = [live, gone].map((owner) => new DockerRuntime({ owner }).run(sleeper(), { timeoutMs: 60_000 }));
    await expect.poll(async () => (await probe.list(runSelector(run))).filter((c) => c.running).length, { timeout: 20_000 }).toBe(2);
    expect((await probe.list(runSelector(run))).map((c) => c.labels[LABEL.owner]).sort()).toEqual([live, gone].sort());

    const removed = await reapOrphans(probe, run, { isAlive: (owner) => registry.isAlive(owner) });

    expect(removed).toBe(1);
    expect((await probe.list(runSelector(run))).map((c) => c.labels[LABEL.owner])).toEqual([live]);
    await probe.removeAll(runSelector(run));
    await Promise.all(runs);
    await registry.leave();
  });
});
