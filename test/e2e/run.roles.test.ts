import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { listTasks, useProject } from '../helpers/e2e-project.ts';

const newProject = useProject();

interface ReportJson {
  tasks: Array<{ id: string; role: string; status: string; reason?: string; outOfScope?: string[]; merges: string[] }>;
}

describe('gantry run with roles', () => {
  it('when a docs agent edits files outside its scope, the branch is rejected with the files named and main is unchanged', async () => {
    const project = await newProject({ retries: 0 });
    const before = await project.mainLog();
    // The scripted agent writes notes/hotel.txt: not documentation.
    expect((await project.gantry(['task', 'add', '--role', 'docs', 'note hotel'])).exitCode).toBe(0);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect((await project.mainLog()).map((e) => e.sha)).toEqual(before.map((e) => e.sha));
    const [task] = await listTasks(project);
    expect(task?.state).toBe('failed');
    expect(task?.failedReason).toMatch(/OUT_OF_SCOPE: the branch changes files outside the docs role's scope \(.*roles\/docs\.yaml\): notes\/hotel\.txt; put them back/);
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as ReportJson;
    expect(report.tasks[0]).toMatchObject({ role: 'docs', status: 'failed', merges: [] });
  });

  it('when roles.scope is flag, the same branch merges and the report names the files', async () => {
    const project = await newProject({ retries: 0, roles: { scope: 'flag' } });
    expect((await project.gantry(['task', 'add', '--role', 'docs', 'note india'])).exitCode).toBe(0);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as ReportJson;
    expect(report.tasks[0]).toMatchObject({ role: 'docs', status: 'merged', outOfScope: ['notes/india.txt'] });
    expect((await project.gantry(['report'])).stdout).toContain('## Out of scope');
  });

  it('when the project defines a role, its tasks run its agent command and read its prompt in the brief', async () => {
    const project = await newProject({ roles: { dir: './roles' } });
    await mkdir(join(project.dir, 'roles'));
    // The role's own agent command: the scripted agent, after writing a note of its own (its sign in main).
    await writeFile(join(project.dir, 'roles', 'scribe.yaml'), [
      'name: scribe',
      'count: 1',
      'prompt: You write notes and nothing else.',
      'agent:',
      '  command: mkdir -p notes && echo scribe > notes/scribe.txt && sh tools/agent.sh',
      'scope:',
      '  owns: ["notes/**"]',
      '',
    ].join('\n'));
    const listed = await project.gantry(['roles', 'list']);
    expect(listed.stdout).toMatch(/^core\s+any\s+60\s+/m);
    expect(listed.stdout).toMatch(/^scribe\s+1\s+50\s+\(gantry\.yaml\)\s+notes\/\*\*\s+roles\/scribe\.yaml$/m);
    const added = await project.gantry(['task', 'add', '--role', 'scribe', 'note juliet']);
    expect(added.exitCode, added.stderr).toBe(0);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as ReportJson;
    expect(report.tasks[0]).toMatchObject({ role: 'scribe', status: 'merged' });
    const id = report.tasks[0]?.id ?? '';
    const runId = await project.run();
    const brief = await readFile(join(project.dir, 'state', 'runs', runId ?? '', 'tasks', id, 'attempt-1', 'brief-1.md'), 'utf8');
    expect(brief).toContain('## Your role: scribe\n\nYou write notes and nothing else.\n\nYou may change only files matching `notes/**`.');
    const { stdout } = await execa('git', ['--git-dir', project.upstream, 'show', 'main:notes/scribe.txt']);
    expect(stdout).toBe('scribe');
  });
});
