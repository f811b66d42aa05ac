import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CHECKPOINT_MESSAGE } from '../../harness/controller/checkpoint.ts';
import { plainGit } from '../helpers/git-fixture.ts';
import { makeProject, type Project } from '../helpers/project-fixture.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';

const redisUrl = inject('redisUrl');
let project: Project | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface Listed {
  task: { id: string };
  state: string;
  attempts: number;
}

async function listed(p: Project): Promise<Listed[]> {
  return JSON.parse((await p.gantry(['task', 'list', '--json'])).stdout) as Listed[];
}

describe('gantry run on SIGTERM', () => {
  it('when sessions outlast the grace period, it stops them, puts their tasks back without spending an attempt, and the next run finishes them', async () => {
    project = await makeProject(redisUrl, { concurrency: 2, graceMs: 1_000, agentEnv: { SLOW_SECONDS: '6' } });
    for (const name of ['one', 'two']) expect((await project.gantry(['task', 'add', `slow ${name}`])).exitCode).toBe(0);

    const first = project.gantry(['run']);
    const deadline = Date.now() + 60_000;
    while ((await listed(project)).filter((t) => t.state === 'active').length < 2) {
      if (Date.now() > deadline) throw new Error('tasks never became active');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const ended = await first;
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);

    const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${await project.run()}`]);
    expect(stdout.trim()).toBe('');
    const afterStop = await listed(project);
    expect(afterStop.map((t) => t.state)).toEqual(['waiting', 'waiting']);
    expect(afterStop.map((t) => t.attempts)).toEqual([0, 0]);
    expect(mergedTaskIds(await project.mainLog())).toEqual([]);
    // What each stopped session had written but not committed is on its branch.
    for (const { task } of afterStop) {
      const workTree = join(project.dir, 'state', 'work', task.id);
      expect(await plainGit(workTree, ['log', '-1', '--format=%s'])).toBe(CHECKPOINT_MESSAGE);
      expect((await plainGit(workTree, ['ls-tree', '-r', '--name-only', 'HEAD', 'notes'])).split('\n')).toContainEqual(expect.stringMatching(/^notes\/(one|two)\.draft$/));
    }

    const second = await project.gantry(['run', '--until-idle'], { timeout: 120_000 });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(mergedTaskIds(await project.mainLog())).toHaveLength(2);
  });
});
