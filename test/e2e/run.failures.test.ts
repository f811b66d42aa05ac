import { describe, expect, it } from 'vitest';
import { addTasks, runContainers, useProject } from '../helpers/e2e-project.ts';

const newProject = useProject();

interface Report {
  tasks: Array<{ id: string; status: string; reason?: string; merges: string[]; sessions: number }>;
}

describe('gantry run with broken agents', () => {
  it('when agents exit non-zero, hang or run out of memory, it retries each up to the limit, then fails it with the reason, merges nothing and leaves no container', async () => {
    const project = await newProject({ retries: 1, sessionTimeoutMs: 4_000, memory: '96m', concurrency: 3 });
    const before = await project.mainLog();
    const expected: Array<[verb: string, reason: RegExp]> = [['fail', /exited with code 3/], ['hang', /hung/], ['oom', /out of memory/]];
    const ids = await addTasks(project, expected.map(([verb]) => `${verb} x`));
    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as Report;
    const byId = new Map(report.tasks.map((t) => [t.id, t]));
    for (const [index, [verb, reason]] of expected.entries()) {
      const task = byId.get(ids[index] ?? '');
      expect(task, verb).toBeDefined();
      expect(task?.status, verb).toBe('failed');
      expect(task?.reason, verb).toMatch(reason);
      expect(task?.merges, verb).toEqual([]);
      // retries: 1 → two attempts, one session each (each ends the attempt).
      expect(task?.sessions, verb).toBe(2);
    }
    expect((await project.mainLog()).map((e) => e.sha)).toEqual(before.map((e) => e.sha));
    expect(await runContainers(project)).toEqual([]);
  });
});
