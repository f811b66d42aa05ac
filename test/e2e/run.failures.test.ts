import { execa } from 'execa';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeProject, type Project } from '../helpers/project-fixture.ts';

const redisUrl = inject('redisUrl');
let project: Project | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface Report {
  tasks: Array<{ id: string; status: string; reason?: string; merges: string[]; sessions: number }>;
}

describe('gantry run with broken agents', () => {
  it('when agents exit non-zero, hang or run out of memory, it retries each up to the limit, then fails it with the reason, merges nothing and leaves no container', async () => {
    project = await makeProject(redisUrl, { retries: 1, sessionTimeoutMs: 4_000, memory: '96m', concurrency: 3 });
    const before = await project.mainLog();
    const ids: Record<string, string> = {};
    for (const verb of ['fail', 'hang', 'oom']) {
      const added = await project.gantry(['task', 'add', `${verb} x`]);
      expect(added.exitCode, added.stderr).toBe(0);
      ids[verb] = added.stdout.trim().split(' ').pop() ?? '';
    }
    const run = await project.gantry(['run', '--until-idle'], { timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as Report;
    const byId = new Map(report.tasks.map((t) => [t.id, t]));
    const expected: Record<string, RegExp> = { fail: /exited with code 3/, hang: /hung/, oom: /out of memory/ };
    for (const [verb, reason] of Object.entries(expected)) {
      const task = byId.get(ids[verb] ?? '');
      expect(task, verb).toBeDefined();
      expect(task?.status, verb).toBe('failed');
      expect(task?.reason, verb).toMatch(reason);
      expect(task?.merges, verb).toEqual([]);
      // retries: 1 → two attempts, one session each (each ends the attempt).
      expect(task?.sessions, verb).toBe(2);
    }
    expect((await project.mainLog()).map((e) => e.sha)).toEqual(before.map((e) => e.sha));
    const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${await project.run()}`]);
    expect(stdout.trim()).toBe('');
  });
});
