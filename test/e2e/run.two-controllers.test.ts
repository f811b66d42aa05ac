import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { CHECKPOINT_MESSAGE } from '../../harness/controller/checkpoint.ts';
import { ControllerRegistry } from '../../harness/controller/index.ts';
import { connectRedis } from '../../harness/queue/index.ts';
import { addTasks, listTasks, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';

const newProject = useProject();

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The running session containers of the run, with their owners. */
async function sessions(run: string): Promise<Array<{ id: string; owner: string }>> {
  const { stdout } = await execa('docker', ['ps', '--filter', `label=gantry.run=${run}`, '--filter', 'label=gantry.purpose=session', '--format', '{{.ID}} {{.Label "gantry.owner"}}']);
  return stdout.split('\n').filter(Boolean).map((line) => {
    const [id = '', owner = ''] = line.split(' ');
    return { id, owner };
  });
}

/** The controllers alive on the project's queue prefix. */
async function controllers(prefix: string): Promise<string[]> {
  const redis = await connectRedis(inject('redisUrl'));
  try {
    return await new ControllerRegistry(redis, prefix).alive();
  } finally {
    redis.disconnect();
  }
}

describe('two gantry run processes on one queue', () => {
  it('when a second controller starts while the first runs sessions, it leaves them running, and both stop cleanly with nothing left', async () => {
    const project = await newProject({ concurrency: 2, agentEnv: { SLOW_SECONDS: '8' } });
    await addTasks(project, ['slow one', 'slow two']);
    const first = project.gantry(['run']);
    const run = async () => (await project.run()) ?? '';
    await waitFor(async () => (await run()) !== '' && (await sessions(await run())).length === 2, 60_000, 'two sessions of the first controller');
    const before = await sessions(await run());
    expect(new Set(before.map((s) => s.owner)).size).toBe(1);

    const second = project.gantry(['run']);
    // The second controller has started (and reaped what it found dead) once it takes tasks; two more give it work.
    await addTasks(project, ['note three', 'note four']);
    await waitFor(async () => mergedTaskIds(await project.mainLog()).length === 4, 120_000, 'four merges');

    const tasks = await listTasks(project);
    expect(tasks.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Each of the first two merged at its first attempt: its session was never killed.
    expect(tasks.slice(0, 2).map((t) => t.attempts)).toEqual([1, 1]);
    for (const controller of [first, second]) controller.kill('SIGTERM');
    for (const ended of await Promise.all([first, second])) expect(ended.exitCode, ended.stderr).toBe(0);
    const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${await run()}`]);
    expect(stdout).toBe('');
  });

  it('when one controller stops while the other runs, the other takes its tasks over only once its sessions\' work is committed', async () => {
    const project = await newProject({ concurrency: 2, graceMs: 1_000, agentEnv: { SLOW_SECONDS: '8' } });
    await addTasks(project, ['slow one', 'slow two']);
    const first = project.gantry(['run']);
    const run = async () => (await project.run()) ?? '';
    await waitFor(async () => (await run()) !== '' && (await sessions(await run())).length === 2, 60_000, 'two sessions of the first controller');
    const second = project.gantry(['run']);
    await waitFor(async () => (await controllers(project.prefix)).length === 2, 60_000, 'the second controller running');

    first.kill('SIGTERM');
    expect((await first).exitCode).toBe(0);
    await waitFor(async () => mergedTaskIds(await project.mainLog()).length === 2, 120_000, 'two merges');

    // The stopped sessions' drafts were committed before the second controller's sessions began.
    const { stdout } = await execa('git', ['--git-dir', project.upstream, 'log', '--format=%s', 'main']);
    expect(stdout.split('\n').filter((subject) => subject === CHECKPOINT_MESSAGE)).toHaveLength(2);
    expect((await listTasks(project)).map((t) => t.attempts)).toEqual([1, 1]);
    second.kill('SIGTERM');
    expect((await second).exitCode).toBe(0);
  });
});
