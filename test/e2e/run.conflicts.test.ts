import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTasks, useProject } from '../helpers/e2e-project.ts';
import type { Project } from '../helpers/project-fixture.ts';

const newProject = useProject();

interface Event {
  type: string;
  ts: string;
  task?: string;
  other?: string;
  files?: string[];
}

async function journal(project: Project): Promise<Event[]> {
  const run = (await project.run()) ?? '';
  const text = await readFile(join(project.dir, 'state', 'runs', run, 'journal.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as Event);
}

/**
 * Session 1 writes shared.md (each task its own text: the two branches
 * conflict), commits and lingers so that both branches are at work at once;
 * session 2 declares the task done.
 */
const CONFLICTING_AGENT = [
  'set -eu',
  'name="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f2)"',
  'if git log --format=%s | grep -qx "shared by $name"; then gantry-agent done --summary "second session"; exit 0; fi',
  'echo "$name was here" > shared.md',
  'git add shared.md && git commit -qm "shared by $name"',
  'sleep 3',
].join('\n');

function indexOf(events: readonly Event[], match: (e: Event) => boolean): number {
  const index = events.findIndex(match);
  expect(index, 'event not in the journal').toBeGreaterThanOrEqual(0);
  return index;
}

describe('gantry run: branches that meet', () => {
  it('when two branches at work would conflict, the pair is flagged before either merges and the next brief names the other task and the file', async () => {
    const project = await newProject({ concurrency: 2, sessions: 2, retries: 0, agentCommand: CONFLICTING_AGENT });
    const [alpha, bravo] = await addTasks(project, ['edit alpha', 'edit bravo']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const events = await journal(project);
    const flagged = indexOf(events, (e) => e.type === 'conflict.predicted');
    const flag = events[flagged]!;
    expect([flag.task, flag.other].sort()).toEqual([alpha, bravo].sort());
    expect(flag.files).toEqual(['shared.md']);
    expect(flagged).toBeLessThan(indexOf(events, (e) => e.type === 'task.merged'));
    // The task whose look found the conflict reads it in its next session's brief.
    const brief = await readFile(join(project.dir, 'state', 'runs', (await project.run()) ?? '', 'tasks', flag.task ?? '', 'attempt-1', 'brief-2.md'), 'utf8');
    expect(brief).toContain(`## Other branches at work\n\nOther agents are changing the same files on their own branches.`);
    expect(brief).toContain(`- task ${flag.other} (core): shared.md; merging the two branches conflicts in shared.md`);
  });

  it('when two tasks declare overlapping files, the second starts only after the first has merged (roles.overlap: wait)', async () => {
    const project = await newProject({ concurrency: 2 });
    const first = await project.gantry(['task', 'add', 'slow kilo', '--files', 'notes/**']);
    const second = await project.gantry(['task', 'add', 'note lima', '--files', 'notes/lima.txt']);
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const events = await journal(project);
    const [kilo, lima] = [first.stdout.trim().split(' ').pop(), second.stdout.trim().split(' ').pop()];
    const started = (task?: string) => indexOf(events, (e) => e.type === 'attempt.started' && e.task === task);
    const merged = (task?: string) => indexOf(events, (e) => e.type === 'task.merged' && e.task === task);
    expect(started(lima)).toBeGreaterThan(merged(kilo));
  });

  it('when roles.overlap is run, the same two tasks run at once', async () => {
    const project = await newProject({ concurrency: 2, roles: { overlap: 'run' } });
    const first = await project.gantry(['task', 'add', 'slow mike', '--files', 'notes/**']);
    const second = await project.gantry(['task', 'add', 'slow november', '--files', 'notes/november.txt']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const events = await journal(project);
    const [mike, november] = [first.stdout.trim().split(' ').pop(), second.stdout.trim().split(' ').pop()];
    const firstMerge = Math.min(...[mike, november].map((task) => indexOf(events, (e) => e.type === 'task.merged' && e.task === task)));
    for (const task of [mike, november]) expect(indexOf(events, (e) => e.type === 'attempt.started' && e.task === task)).toBeLessThan(firstMerge);
  });
});
