import { describe, expect, it } from 'vitest';
import { addTasks, runContainers, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';

const newProject = useProject();

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('gantry run after kill -9', () => {
  it('when the controller is killed mid-run and started again, every task ends merged once or failed with a reason, and no container is orphaned', async () => {
    const project = await newProject({ concurrency: 3, leaseMs: 3_000 });
    await addTasks(project, ['one', 'two', 'three', 'four', 'five', 'six'].map((name) => `slow ${name}`));

    const first = project.gantry(['run']);
    await waitFor(async () => mergedTaskIds(await project.mainLog()).length >= 1, 120_000);
    first.kill('SIGKILL');
    await first;

    const second = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(second.exitCode, second.stderr).toBe(0);

    const merged = mergedTaskIds(await project.mainLog());
    expect(new Set(merged).size).toBe(merged.length);
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as { tasks: Array<{ status: string; reason?: string; merges: string[] }> };
    expect(report.tasks).toHaveLength(6);
    for (const task of report.tasks) {
      expect(['merged', 'failed']).toContain(task.status);
      if (task.status === 'merged') expect(task.merges).toHaveLength(1);
      else expect(task.reason).toBeTruthy();
    }
    expect(merged.length).toBe(report.tasks.filter((t) => t.status === 'merged').length);
    expect(await runContainers(project)).toEqual([]);
  });
});
