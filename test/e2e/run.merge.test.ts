import { describe, expect, it } from 'vitest';
import { addTasks, runContainers, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds, testsPassAt } from '../helpers/main-history.ts';

const newProject = useProject();

describe('gantry run, end to end', () => {
  it('when six independent tasks run at concurrency 3, it merges each exactly once and main passes its tests at every merge', async () => {
    const project = await newProject({ concurrency: 3 });
    await addTasks(project, ['note alpha', 'note bravo', 'note charlie', 'note delta', 'note echo', 'note foxtrot']);
    const again = await project.gantry(['task', 'add', 'note alpha']);
    expect(again.stdout).toMatch(/^already queued /);

    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const log = await project.mainLog();
    const merged = mergedTaskIds(log);
    expect(merged).toHaveLength(6);
    expect(new Set(merged).size).toBe(6);
    for (const entry of log) expect(await testsPassAt(project.upstream, entry.sha), entry.subject).toBe(true);

    const report = await project.gantry(['report', '--format', 'json']);
    const parsed = JSON.parse(report.stdout) as { tasks: Array<{ status: string; merges: string[] }>; totals: { merged: number; tasks: number } };
    expect(parsed.totals).toMatchObject({ tasks: 6, merged: 6 });
    expect(parsed.tasks.every((t) => t.status === 'merged' && t.merges.length === 1)).toBe(true);

    expect(await runContainers(project)).toEqual([]);
  });

  it('when a branch fails the tests, it is not merged, main is unchanged and the report gives the reason', async () => {
    const project = await newProject({ retries: 1 });
    const before = await project.mainLog();
    expect((await project.gantry(['task', 'add', 'wrong golf'])).exitCode).toBe(0);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect((await project.mainLog()).map((e) => e.sha)).toEqual(before.map((e) => e.sha));
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as { tasks: Array<{ status: string; reason: string; merges: string[] }> };
    expect(report.tasks).toHaveLength(1);
    expect(report.tasks[0]).toMatchObject({ status: 'failed', merges: [] });
    expect(report.tasks[0]?.reason).toMatch(/tests failed[\s\S]*FAIL notes\/golf.txt/);
  });
});
