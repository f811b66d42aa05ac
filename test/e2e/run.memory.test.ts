import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { addTasks, useProject } from '../helpers/e2e-project.ts';
import type { Project } from '../helpers/project-fixture.ts';

const newProject = useProject();

async function brief(project: Project, task: string, session: number): Promise<string> {
  return readFile(join(project.dir, 'state', 'runs', (await project.run()) ?? '', 'tasks', task, 'attempt-1', `brief-${session}.md`), 'utf8');
}

async function mainFile(project: Project, path: string): Promise<string> {
  return (await execa('git', ['--git-dir', project.upstream, 'show', `main:${path}`])).stdout;
}

/** Session 1 writes its note, records a decision and a handoff and ends; a session whose brief has a handoff declares done. */
const REMEMBERING_AGENT = [
  'set -eu',
  'name="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f2)"',
  'if grep -q "^## Handoff from the last session" "$GANTRY_TASK_FILE"; then gantry-agent done --summary "finished $name"; exit 0; fi',
  'mkdir -p notes && echo "$name" > "notes/$name.txt" && git add notes && git commit -qm "note $name"',
  'gantry-agent decide "a note holds its own name and nothing else" --why "the suite compares them"',
  'gantry-agent handoff "notes/$name.txt is written and committed; declare done"',
].join('\n');

/**
 * `shout` messages the scribe role and is done; a scribe's first session
 * writes its note and lingers, so that the message arrives while it works;
 * its next session keeps its inbox in a file and is done.
 */
const MESSAGING_AGENT = [
  'set -eu',
  'verb="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f1)"',
  'name="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f2)"',
  'mkdir -p notes',
  'if [ "$verb" = shout ]; then',
  '  gantry-agent msg scribe "from now on, notes are lowercase"',
  '  echo "$name" > "notes/$name.txt" && git add notes && git commit -qm "note $name" && gantry-agent done; exit 0',
  'fi',
  'if [ -e "notes/$name.txt" ]; then gantry-agent inbox > "notes/inbox-$name.log"; git add notes && git commit -qm "inbox of $name"; gantry-agent done; exit 0; fi',
  'echo "$name" > "notes/$name.txt" && git add notes && git commit -qm "note $name"',
  'sleep 8',
].join('\n');

/**
 * Both tasks' first sessions add the same shared.md (the same bytes: the
 * branches merge cleanly) and linger; each next session waits until
 * `gantry-agent peers` shows the other task with shared.md, keeps that view
 * in a file, lingers so the other can look too, and is done.
 */
const PEERING_AGENT = [
  'set -eu',
  'name="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f2)"',
  'if [ ! -e shared.md ]; then echo "shared" > shared.md && git add shared.md && git commit -qm "shared by $name"; sleep 3; exit 0; fi',
  'for i in $(seq 1 40); do gantry-agent peers > "peers-$name.log"; if grep -q "shared.md" "peers-$name.log"; then break; fi; sleep 0.5; done',
  'git add "peers-$name.log" && git commit -qm "peers seen by $name"',
  'sleep 5',
  'gantry-agent done',
].join('\n');

describe('gantry run: memory between sessions', () => {
  it('when session 1 records a decision and a handoff and ends, the fresh session 2 finds both in its brief (markdown and JSON), and the journal keeps them', async () => {
    const project = await newProject({ sessions: 2, retries: 0, agentCommand: REMEMBERING_AGENT });
    const [task = ''] = await addTasks(project, ['remember oscar']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    expect(await brief(project, task, 1)).not.toContain('## Handoff from the last session');
    const second = await brief(project, task, 2);
    expect(second).toContain('## Handoff from the last session\n\nnotes/oscar.txt is written and committed; declare done\n');
    expect(second).toContain(`## Decisions and lessons\n\n- decision by task ${task} (core): a note holds its own name and nothing else (why: the suite compares them)\n`);
    const json = JSON.parse(await readFile(join(project.dir, 'state', 'runs', (await project.run()) ?? '', 'tasks', task, 'attempt-1', 'context', 'brief.json'), 'utf8')) as { memory: { handoff: { text: string } } };
    expect(json.memory.handoff.text).toBe('notes/oscar.txt is written and committed; declare done');
    expect(await mainFile(project, 'notes/oscar.txt')).toBe('oscar');

    const listed = await project.gantry(['memory', 'list']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`decision\\s+${task} \\(core\\): a note holds its own name`));
    expect(listed.stdout).toMatch(new RegExp(`summary\\s+${task} \\(core\\): finished oscar`));
    const found = await project.gantry(['memory', 'search', 'COMPARES']);
    expect(found.stdout.trim().split('\n')).toHaveLength(1);
    const id = /^(\d+-\d+)/.exec(found.stdout)?.[1] ?? '';
    const shown = await project.gantry(['memory', 'show', id]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, kind: 'decision', task, why: 'the suite compares them' });
  });

  it('when a message goes to a role, every active task of that role reads it at its next session start and in its inbox', async () => {
    const project = await newProject({ concurrency: 3, sessions: 2, retries: 0, agentCommand: MESSAGING_AGENT, roles: { dir: './roles' } });
    await mkdir(join(project.dir, 'roles'));
    await writeFile(join(project.dir, 'roles', 'scribe.yaml'), ['name: scribe', 'count: 2', 'prompt: You write notes.', 'scope:', '  owns: ["notes/**"]', ''].join('\n'));
    const scribes: string[] = [];
    for (const name of ['lima', 'mike']) {
      const added = await project.gantry(['task', 'add', '--role', 'scribe', `wait ${name}`]);
      expect(added.exitCode, added.stderr).toBe(0);
      scribes.push(added.stdout.trim().split(' ').pop() ?? '');
    }
    const [shout = ''] = await addTasks(project, ['shout kilo']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const line = `- from task ${shout} (core) to scribe: from now on, notes are lowercase`;
    for (const [i, task] of scribes.entries()) {
      expect(await brief(project, task, 1)).not.toContain(line);
      expect(await brief(project, task, 2)).toContain(`## Messages for you\n\n${line}\n`);
      expect(await mainFile(project, `notes/inbox-${['lima', 'mike'][i]}.log`)).toContain(`message from ${shout} (core) to scribe: from now on, notes are lowercase`);
    }
  });

  it('when two branches touch the same file, each agent sees the other in peers with that file', { timeout: 240_000 }, async () => {
    const project = await newProject({ concurrency: 2, sessions: 2, retries: 0, agentCommand: PEERING_AGENT, roles: { overlap: 'run' } });
    const [quebec = '', romeo = ''] = await addTasks(project, ['peer quebec', 'peer romeo']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 200_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    expect((await mainFile(project, 'peers-quebec.log')).split('\n')).toContain(`${romeo} (core) on gantry/${romeo}: shared.md`);
    expect((await mainFile(project, 'peers-romeo.log')).split('\n')).toContain(`${quebec} (core) on gantry/${quebec}: shared.md`);
  });
});
