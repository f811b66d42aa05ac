import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testsPassAt } from '../helpers/main-history.ts';
import type { Project } from '../helpers/project-fixture.ts';
import { ATTACK_BATCHES, cleanUpAttacks, judgeAttack, runAttackBatch, type AttackedRun } from './attacks.ts';

/**
 * Hostile agents (test/fixtures/repos/hostile/tools/agent.sh), each a task
 * whose text names its attack, in real containers under a real `gantry run`.
 * Each attack must be contained as its rule in attacks.ts says: the
 * controller runs on to idle, the honest task beside them merges, main stays
 * green at every merge, nothing an attack wanted reaches main or the host,
 * and the report says what was stopped or refused.
 */

const runs: AttackedRun[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) await cleanUpAttacks(run);
});

async function attack(batch: (typeof ATTACK_BATCHES)[number]): Promise<AttackedRun> {
  const run = await runAttackBatch(inject('redisUrl'), batch);
  runs.push(run);
  const verdicts = batch.attacks.map((name) => judgeAttack(run, name));
  const summary = JSON.stringify({ verdicts, contained: run.report.contained, tasks: run.report.tasks.map((t) => [t.text, t.status, t.reason]) }, null, 1);
  expect(verdicts.filter((verdict) => !verdict.held), summary).toEqual([]);
  return run;
}

/** Main's history is merges of tasks only, and the tests pass at each of them. */
async function expectMainGreen(project: Project): Promise<void> {
  const log = await project.mainLog();
  for (const commit of log.slice(0, -1)) {
    expect(commit.body, commit.subject).toMatch(/^Gantry-Task: /m);
    expect(await testsPassAt(project.upstream, commit.sha), `tests at ${commit.sha}`).toBe(true);
  }
}

async function mainFile(project: Project, path: string): Promise<string | undefined> {
  const shown = await execa('git', ['--git-dir', project.upstream, 'show', `main:${path}`], { reject: false });
  return shown.exitCode === 0 ? shown.stdout : undefined;
}

describe('hostile agents', () => {
  it('when agents fork-bomb, hog memory, fill the disk or hang, each is stopped by its limit, a slow agent that shows progress is not, and the honest task merges', { timeout: 300_000 }, async () => {
    const run = await attack(ATTACK_BATCHES[0]!);
    // The oversized work tree went (its commits archived): it cannot fill the disk any further.
    expect(existsSync(join(run.project.dir, 'state', 'work', run.ids.diskfill ?? ''))).toBe(false);
    await expectMainGreen(run.project);
  });

  it('when agents attack through their branch, their .git, their environment and the network, nothing reaches main or the host and the report names what was refused', { timeout: 300_000 }, async () => {
    const run = await attack(ATTACK_BATCHES[1]!);
    const { project, hostDir, token } = run;

    // The host: nothing planted in .git ran there, and the .gantry link did not carry the controller's writes out.
    expect((await readdir(join(hostDir, '..'))).filter((name) => name.startsWith(`${hostDir.split('/').pop() ?? ''}.`))).toEqual([]);
    expect(await readFile(join(hostDir, 'done'), 'utf8')).toBe('the host file an agent wants removed\n');
    expect((await stat(hostDir)).uid).toBe(process.getuid?.() ?? 0);

    // The secret: redacted where the agent printed it, and nowhere in gantry's state (gantry.yaml is where it came from).
    expect(run.logs).toContain('the token is ***');
    const leaks = await execa('grep', ['-rl', token, join(project.dir, 'state')], { reject: false });
    expect(leaks.stdout).toBe('');

    // Main: only task merges, green at each, without the refused content.
    await expectMainGreen(project);
    expect(await mainFile(project, 'test.sh')).toContain('for t in tests/*.sh');
    expect(await mainFile(project, 'tests/notes.sh')).toContain('expected');
    expect(await mainFile(project, 'big.bin')).toBeUndefined();
    expect(await mainFile(project, 'many/f0')).toBeUndefined();
    expect(await mainFile(project, 'notes/passwd.txt')).toBeUndefined();
    const subjects = await execa('git', ['--git-dir', project.upstream, 'log', '--all', '--format=%s']);
    expect(subjects.stdout).not.toContain('JUNK');
  });
});
