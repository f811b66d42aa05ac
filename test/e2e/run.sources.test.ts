import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { listTasks, useProject } from '../helpers/e2e-project.ts';
import type { Project } from '../helpers/project-fixture.ts';

const newProject = useProject();

const FAILING = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel'];

interface ReportJson {
  tasks: Array<{ id: string; role: string; status: string; merges: string[]; text?: string }>;
  coordination: { total: { submissions: number; merges: number; conflicts: number; duplicateSessions: number; sessions: number; mergeSuccessRate: number }; roles: Array<{ role: string; merges: number }> };
}

async function showMain(project: Project, path: string): Promise<string> {
  return (await execa('git', ['--git-dir', project.upstream, 'show', `main:${path}`])).stdout;
}

/** The built-in core role with a count of its own: `count` core agents at most. */
async function coreRoleWithCount(project: Project, count: number): Promise<void> {
  const builtIn = parse(await readFile(new URL('../../roles/core.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  await mkdir(join(project.dir, 'roles'), { recursive: true });
  await writeFile(join(project.dir, 'roles', 'core.yaml'), stringify({ ...builtIn, count }));
}

describe('gantry run with task sources', () => {
  it('8 tests failing on main and duplicated code: 4 core agents and 1 dedup agent fix and merge all of it, each subject once', async () => {
    const project = await newProject({ fixture: 'frames', concurrency: 5, retries: 2, gate: { format: 'gantry' }, roles: { dir: './roles', sources: ['core', 'dedup'] } });
    await coreRoleWithCount(project, 4);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 400_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    // Every failing test was fixed on main, and the duplicate consolidated.
    for (const name of FAILING) expect(await showMain(project, `lib/${name}.sh`)).toBe(`echo "${name} is ripe"`);
    expect(await showMain(project, 'lib/hello.sh')).toBe('. ./lib/shared.sh\nframe hello');
    expect(await showMain(project, 'lib/shared.sh')).toMatch(/^frame\(\) \{/);

    const tasks = await listTasks(project);
    const core = tasks.filter((t) => t.task.role === 'core');
    const dedup = tasks.filter((t) => t.task.role === 'dedup');
    expect(core.map((t) => t.task.subject).sort()).toEqual(FAILING.map((name) => `failing-test tests/${name < 'd' ? 'alpha' : name < 'g' ? 'beta' : 'gamma'}.list > ${name}`).sort());
    expect(core.every((t) => t.state === 'completed' && t.task.source === 'failing-tests')).toBe(true);
    expect(dedup).toHaveLength(1);
    expect(dedup[0]).toMatchObject({ state: 'completed', task: { source: 'duplicates', files: ['lib/goodbye.sh', 'lib/hello.sh'] } });
    expect(dedup[0]?.task.text).toMatch(/^Consolidate duplicated code: the same 7 lines appear in 2 places/);

    // The metrics, from the journal: nine merges, no subject worked on twice.
    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as ReportJson;
    expect(report.tasks.filter((t) => t.status === 'merged')).toHaveLength(9);
    expect(report.coordination.total).toMatchObject({ merges: 9, duplicateSessions: 0, conflicts: 0 });
    expect(report.coordination.total.sessions).toBeGreaterThanOrEqual(9);
    expect(report.coordination.total.mergeSuccessRate).toBe(9 / report.coordination.total.submissions);
    expect(Object.fromEntries(report.coordination.roles.map((r) => [r.role, r.merges]))).toEqual({ core: 8, dedup: 1 });
    const journal = (await readFile(join(project.dir, 'state', 'runs', (await project.run()) ?? '', 'journal.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string; role?: string; queued?: string[] });
    const queuedBySources = journal.filter((e) => e.type === 'source.ran').flatMap((e) => e.queued ?? []);
    expect(queuedBySources.sort()).toEqual(tasks.map((t) => t.task.id).sort());
  });
});
