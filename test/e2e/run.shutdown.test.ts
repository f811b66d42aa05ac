import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTasks, listTasks, runContainers, useProject } from '../helpers/e2e-project.ts';
import { CHECKPOINT_MESSAGE } from '../../harness/controller/checkpoint.ts';
import { plainGit } from '../helpers/git-fixture.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';

const newProject = useProject();

describe('gantry run on SIGTERM', () => {
  it('when sessions outlast the grace period, it stops them, puts their tasks back without spending an attempt, and the next run finishes them', async () => {
    const project = await newProject({ concurrency: 2, graceMs: 1_000, agentEnv: { SLOW_SECONDS: '6' } });
    await addTasks(project, ['slow one', 'slow two']);

    const first = project.gantry(['run']);
    const deadline = Date.now() + 60_000;
    while ((await listTasks(project)).filter((t) => t.state === 'active').length < 2) {
      if (Date.now() > deadline) throw new Error('tasks never became active');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    const ended = await first;
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);

    expect(await runContainers(project)).toEqual([]);
    const afterStop = await listTasks(project);
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
