import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { RunReport } from '../../harness/reports/index.ts';
import { addTasks, useProject } from '../helpers/e2e-project.ts';
import { testsPassAt } from '../helpers/main-history.ts';
import type { Project, ProjectOptions } from '../helpers/project-fixture.ts';

/**
 * Hostile agents (test/fixtures/repos/hostile/tools/agent.sh), each a task
 * whose text names its attack, in real containers under a real `gantry run`.
 * Each attack must be contained: the controller runs on to idle, the honest
 * task beside them merges, main stays green at every merge, nothing an
 * attack wanted reaches main or the host, and the report says what was
 * stopped or refused.
 */

const newProject = useProject();
const hostDirs: string[] = [];
afterEach(async () => {
  for (const dir of hostDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface Attacked {
  project: Project;
  report: RunReport;
  /** Task id by attack. */
  ids: Record<string, string>;
  /** Every session log of the run, together. */
  logs: string;
}

async function sessionLogs(dir: string): Promise<string> {
  const { stdout } = await execa('find', [dir, '-name', 'session-*.log', '-type', 'f']);
  const files = stdout.split('\n').filter(Boolean);
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}

/** Queues one task per attack (its text `<attack> <attack>`) and runs gantry until idle. */
async function runAttacks(attacks: readonly string[], options: ProjectOptions): Promise<Attacked> {
  const project = await newProject({ fixture: 'hostile', ...options });
  const taskIds = await addTasks(project, attacks.map((attack) => `${attack} ${attack}`));
  const run = await project.gantry(['run', '--until-idle'], { timeout: 280_000 });
  expect(run.exitCode, run.stderr).toBe(0);
  const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as RunReport;
  const ids = Object.fromEntries(attacks.map((attack, i) => [attack, taskIds[i] ?? '']));
  return { project, report, ids, logs: await sessionLogs(join(project.dir, 'state', 'runs')) };
}

function statusOf(attacked: Attacked, attack: string): string | undefined {
  return attacked.report.tasks.find((task) => task.id === attacked.ids[attack])?.status;
}

function containedKinds(attacked: Attacked, attack: string): string[] {
  return [...new Set(attacked.report.contained.filter((c) => c.task === attacked.ids[attack]).map((c) => c.kind))].sort();
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
    const attacked = await runAttacks(['forkbomb', 'memhog', 'diskfill', 'hang', 'slow', 'note'], {
      concurrency: 3, retries: 0, sessions: 1, sessionTimeoutMs: 20_000, memory: '128m',
      container: { pids: 32, disk: '64m' }, limits: { idleTimeout: 3_000 },
    });
    const summary = JSON.stringify({ contained: attacked.report.contained, tasks: attacked.report.tasks.map((t) => [t.text, t.status, t.reason]) }, null, 1);

    expect(statusOf(attacked, 'note'), summary).toBe('merged');
    expect(statusOf(attacked, 'slow'), summary).toBe('merged');
    expect(containedKinds(attacked, 'slow'), summary).toEqual([]);
    for (const attack of ['forkbomb', 'memhog', 'diskfill', 'hang']) expect(statusOf(attacked, attack), `${attack} ${summary}`).toBe('failed');
    // Stopped at the process limit; then ended as hung (bash backs off between refused forks) or at its time limit.
    const bomb = containedKinds(attacked, 'forkbomb');
    expect(bomb, summary).toContain('processes');
    expect(bomb.filter((kind) => kind === 'hung' || kind === 'time'), summary).toHaveLength(1);
    expect(containedKinds(attacked, 'memhog'), summary).toEqual(['memory']);
    expect(containedKinds(attacked, 'diskfill'), summary).toEqual(['disk']);
    expect(containedKinds(attacked, 'hang'), summary).toEqual(['hung']);
    // The oversized work tree went (its commits archived): it cannot fill the disk any further.
    expect(existsSync(join(attacked.project.dir, 'state', 'work', attacked.ids.diskfill ?? ''))).toBe(false);
    await expectMainGreen(attacked.project);
  });

  it('when agents attack through their branch, their .git, their environment and the network, nothing reaches main or the host and the report names what was refused', { timeout: 300_000 }, async () => {
    const hostDir = await mkdtemp(join(tmpdir(), 'gantry-host-'));
    hostDirs.push(hostDir);
    await writeFile(join(hostDir, 'done'), 'the host file an agent wants removed\n');
    const token = `svc-token-${randomBytes(12).toString('hex')}`;
    const attacks = ['bigfile', 'manyfiles', 'symlink', 'gitconfig', 'push', 'skip', 'ci', 'dockersock', 'redis', 'othertree', 'api', 'secret', 'note'];
    const attacked = await runAttacks(attacks, {
      concurrency: 3, retries: 1, sessions: 1, sessionTimeoutMs: 90_000,
      container: { fileSize: '16m' }, limits: { branchFiles: 1_000 }, gate: { testChanges: 'deny' },
      agentEnv: { HOST_MARK: hostDir, REDIS_PORT: new URL(inject('redisUrl')).port, SERVICE_TOKEN: token },
    });
    const summary = JSON.stringify({ contained: attacked.report.contained, tasks: attacked.report.tasks.map((t) => [t.text, t.status, t.reason]) }, null, 1);
    const { project } = attacked;

    for (const attack of ['gitconfig', 'push', 'dockersock', 'redis', 'othertree', 'api', 'secret', 'note']) expect(statusOf(attacked, attack), `${attack} ${summary}`).toBe('merged');
    for (const attack of ['bigfile', 'manyfiles', 'symlink', 'skip', 'ci']) expect(statusOf(attacked, attack), `${attack} ${summary}`).toBe('failed');
    expect(containedKinds(attacked, 'bigfile'), summary).toEqual(['large-file']);
    expect(containedKinds(attacked, 'manyfiles'), summary).toEqual(['branch-size']);
    expect(containedKinds(attacked, 'symlink'), summary).toEqual(['symlink']);
    expect(containedKinds(attacked, 'skip'), summary).toEqual(['tests']);
    expect(containedKinds(attacked, 'ci'), summary).toEqual(['tests']);
    expect(containedKinds(attacked, 'gitconfig'), summary).toEqual(['git-config']);
    expect(containedKinds(attacked, 'secret'), summary).toEqual(['secret']);

    // Probes from inside: every one met a wall.
    expect(attacked.logs).not.toMatch(/ATTACK \S+ succeeded/);
    for (const attack of ['push', 'dockersock', 'redis', 'othertree', 'api']) expect(attacked.logs).toMatch(new RegExp(`ATTACK ${attack} blocked`));

    // The host: nothing planted in .git ran there, and the .gantry link did not carry the controller's writes out.
    expect((await readdir(join(hostDir, '..'))).filter((name) => name.startsWith(`${hostDir.split('/').pop() ?? ''}.`))).toEqual([]);
    expect(await readFile(join(hostDir, 'done'), 'utf8')).toBe('the host file an agent wants removed\n');
    expect((await stat(hostDir)).uid).toBe(process.getuid?.() ?? 0);

    // The secret: redacted where the agent printed it, and nowhere in gantry's state (gantry.yaml is where it came from).
    expect(attacked.logs).toContain('the token is ***');
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
