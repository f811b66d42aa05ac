import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { journalPath, readJournal, type JournalEvent } from '../../harness/reports/index.ts';
import { upstreamTokens } from '../../harness/upstream/index.ts';
import { startSecondEngine, type SecondEngine } from '../helpers/docker-engine.ts';
import { addTasks, useProject } from '../helpers/e2e-project.ts';
import { freePort } from '../helpers/redis.ts';

const SERVER_TOKEN = 'upstream-server-token-0123456789';
const TASKS = Array.from({ length: 12 }, (_, index) => `slow w${String(index + 1).padStart(2, '0')}`);

async function until<T>(what: string, look: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('workers on two Docker engines share one queue (gantry worker, gantry upstream serve)', () => {
  const newProject = useProject();
  let engine: SecondEngine | undefined;
  const processes: ResultPromise[] = [];

  afterEach(async () => {
    for (const child of processes.splice(0)) {
      child.kill('SIGKILL');
      await child.catch(() => undefined);
    }
    await engine?.remove();
    engine = undefined;
  });

  it('12 tasks split across both workers merge once each; a worker killed with its engine mid-run leaves its tasks to the other; a worker token cannot push main', async () => {
    engine = await startSecondEngine(['gantry/agent-base']);
    const port = await freePort();
    const project = await newProject({ concurrency: 4, sessions: 2, retries: 3, leaseMs: 3_000, agentEnv: { SLOW_SECONDS: '4' } });
    await project.reconfigure({ repo: { url: `http://127.0.0.1:${port}/upstream.git`, tokens: true } });
    const env = { GANTRY_UPSTREAM_TOKEN: SERVER_TOKEN };
    const redisUrl = inject('redisUrl');
    const redis = new Redis(redisUrl);
    try {
      const server = project.gantry(['upstream', 'serve', '--repo', project.upstream, '--port', String(port)], { env });
      processes.push(server);
      await until('the upstream server', async () => (await execa('git', ['-c', `http.extraHeader=Authorization: Bearer ${SERVER_TOKEN}`, 'ls-remote', `http://127.0.0.1:${port}/upstream.git`], { reject: false })).exitCode === 0, 30_000);
      const tasks = await addTasks(project, TASKS);

      // The controller only gates; the tasks run on the workers.
      const controller = project.gantry(['run', '--slots', '0', '--until-idle'], { env, timeout: 400_000 });
      processes.push(controller);
      await until('the controller to share its config', async () => (await redis.exists(`${project.prefix}:config`)) === 1, 60_000);
      const run = await until('the run id', () => project.run().then((id) => id ?? undefined));
      const journal = journalPath(join(project.dir, 'state'), run);
      const events = (): Promise<JournalEvent[]> => readJournal(journal).catch(() => []);
      const workerIds = async () => (await events()).flatMap((event) => (event.type === 'run.started' && event.worker ? [event.controller] : []));

      const worker = (name: string, dockerHost?: string) => {
        const child = project.gantry(['worker', '--redis', redisUrl, '--prefix', project.prefix, '--slots', '2', '--state', join(project.dir, name), ...(dockerHost ? ['--docker-host', dockerHost] : [])], { timeout: 400_000 });
        processes.push(child);
        return child;
      };
      const workerA = worker('worker-a');
      const idA = await until('worker A to start', async () => (await workerIds())[0], 60_000);
      const workerB = worker('worker-b', engine.host);
      const idB = await until('worker B to start', async () => (await workerIds()).find((id) => id !== idA), 60_000);

      // Mid-run: worker B is at work on a task, and some tasks are still to merge.
      const started = (all: JournalEvent[], by: string) => all.flatMap((event) => (event.type === 'attempt.started' && event.controller === by ? [event] : []));
      const mergedTasks = (all: JournalEvent[]) => new Set(all.flatMap((event) => (event.type === 'task.merged' ? [event.task] : [])));
      const heldByB = await until('worker B to hold a task not yet merged', async () => {
        const all = await events();
        const merged = mergedTasks(all);
        const open = started(all, idB).filter((attempt) => !merged.has(attempt.task));
        return open.length > 0 && merged.size < TASKS.length ? open.map((attempt) => attempt.task) : undefined;
      }, 120_000);
      workerB.kill('SIGKILL');
      await engine.crash();

      const ended = await controller;
      expect(ended.exitCode, ended.stderr).toBe(0);
      const all = await events();

      // Every task merged into main exactly once (one merge commit each on the first-parent history).
      const merges = (await project.mainLog()).flatMap((commit) => /Gantry-Task: (\S+)/.exec(commit.body)?.[1] ?? []);
      expect([...merges].sort()).toEqual([...tasks].sort());
      // Split across both workers, and none ran on the gate-only controller.
      const runners = new Set(all.flatMap((event) => (event.type === 'attempt.started' ? [event.controller] : [])));
      expect([...runners].sort()).toEqual([idA, idB].sort());
      expect(started(all, idA).length).toBeGreaterThan(0);
      expect(started(all, idB).length).toBeGreaterThan(0);
      // What B held when it died finished on A, in a later attempt.
      for (const task of heldByB) {
        const onA = started(all, idA).filter((attempt) => attempt.task === task);
        const onB = started(all, idB).filter((attempt) => attempt.task === task);
        expect(onA.length, `task ${task} held by the killed worker`).toBeGreaterThan(0);
        expect(Math.max(...onA.map((attempt) => attempt.fence))).toBeGreaterThan(Math.max(...onB.map((attempt) => attempt.fence)));
      }
      // B's events before its death reached the controller's journal through Redis.
      expect(all.some((event) => event.type === 'attempt.started' && event.controller === idB && 'inbox' in event)).toBe(true);
      // No task branch is left on the upstream.
      const refs = await execa('git', ['--git-dir', project.upstream, 'for-each-ref', '--format=%(refname)', 'refs/heads/gantry/']);
      expect(refs.stdout).toBe('');

      // A worker's token for a task may push that task's branch, never main.
      const task = tasks[0]!;
      const fence = Number(await redis.get(`${project.prefix}:fence:${task}`));
      const token = await upstreamTokens(redis, project.prefix).issue({ kind: 'task', task, fence }, 60_000);
      const mainBefore = (await execa('git', ['--git-dir', project.upstream, 'rev-parse', 'main'])).stdout;
      const pushed = await execa('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, '--git-dir', project.upstream, 'push', `http://127.0.0.1:${port}/upstream.git`, `${mainBefore}~1:refs/heads/main`, '--force'], { reject: false });
      expect(pushed.exitCode).not.toBe(0);
      expect(pushed.stderr).toMatch(/403/);
      expect((await execa('git', ['--git-dir', project.upstream, 'rev-parse', 'main'])).stdout).toBe(mainBefore);

      workerA.kill('SIGTERM');
      expect((await workerA).exitCode).toBe(0);
    } finally {
      redis.disconnect();
    }
  }, 600_000);
});
