/**
 * Gathers what the invariants (invariants.ts) are checked against, from the
 * real things a run leaves: the upstream's and the controller clone's git
 * refs, the journal, the session logs, and Docker's containers by label.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { journalPath } from '../../harness/reports/index.ts';
import { DockerRuntime, runSelector } from '../../harness/runtime/index.ts';
import { testsPassAt } from '../helpers/main-history.ts';
import type { TaskRecord } from '../../harness/queue/index.ts';
import type { AgentCommit, ContainerFact, MainCommit, RunSnapshot } from './invariants.ts';

/** What the chaos agent prints after each commit it makes. */
const AGENT_COMMIT = /^chaos-commit ([0-9a-f]{40})\s*$/gm;

async function git(gitDir: string, args: readonly string[]): Promise<string> {
  return (await execa('git', ['--git-dir', gitDir, ...args])).stdout;
}

export async function mainHead(gitDir: string, main = 'main'): Promise<string> {
  return (await git(gitDir, ['rev-parse', `refs/heads/${main}`])).trim();
}

/** Main's first-parent history, newest first, with the `Gantry-Task:` trailers of each commit. */
export async function mainHistory(gitDir: string, main = 'main'): Promise<MainCommit[]> {
  const log = await git(gitDir, ['log', '--first-parent', '--format=%H%x1f%(trailers:key=Gantry-Task,valueonly,separator=%x2C)%x1e', `refs/heads/${main}`]);
  return log.split('\x1e').map((record) => record.trim()).filter(Boolean).map((record) => {
    const [sha = '', trailers = ''] = record.split('\x1f');
    return { sha, tasks: trailers.split(',').map((task) => task.trim()).filter(Boolean) };
  });
}

async function revList(gitDir: string, revs: readonly string[]): Promise<string[]> {
  return (await git(gitDir, ['rev-list', ...revs])).split('\n').filter(Boolean);
}

export async function ancestorsOf(gitDir: string, rev: string): Promise<Set<string>> {
  return new Set(await revList(gitDir, [rev]));
}

/**
 * Commits reachable from any ref of the upstream, or from main, the archive
 * refs and the incoming refs of the controller's clone (`<stateDir>/repo.git`).
 */
export async function reachableCommits(upstream: string, clone: string, main = 'main'): Promise<Set<string>> {
  const fromUpstream = await revList(upstream, ['--all']);
  const fromClone = await revList(clone, [`refs/heads/${main}`, '--glob=refs/gantry/archive', '--glob=refs/gantry/incoming']);
  return new Set([...fromUpstream, ...fromClone]);
}

/** Commits tested at once: a few hundred merges one by one would take minutes. */
const TEST_PARALLELISM = 4;

/** Runs the project's tests (`sh test.sh`) at each commit. */
export async function testsAt(gitDir: string, commits: readonly string[]): Promise<Map<string, boolean>> {
  const results = new Map<string, boolean>();
  const queue = [...commits];
  const worker = async () => {
    for (let commit = queue.shift(); commit !== undefined; commit = queue.shift()) results.set(commit, await testsPassAt(gitDir, commit));
  };
  await Promise.all(Array.from({ length: TEST_PARALLELISM }, worker));
  return results;
}

/** The commits agents said they made, from every session log of the run (`tasks/<task>/attempt-<n>/session-<m>.log`). */
export async function agentCommitsIn(stateDir: string, run: string): Promise<AgentCommit[]> {
  const tasksDir = join(stateDir, 'runs', run, 'tasks');
  const found: AgentCommit[] = [];
  for (const task of await readdir(tasksDir).catch(() => [])) {
    for (const attempt of await readdir(join(tasksDir, task)).catch(() => [])) {
      for (const file of await readdir(join(tasksDir, task, attempt)).catch(() => [])) {
        if (!/^session-\d+\.log$/.test(file)) continue;
        const log = join(tasksDir, task, attempt, file);
        for (const match of (await readFile(log, 'utf8')).matchAll(AGENT_COMMIT)) found.push({ sha: match[1] ?? '', task, log });
      }
    }
  }
  return found;
}

/** The run's journal, line by line (nothing parsed: a torn line is for the check to see). */
export async function journalLines(stateDir: string, run: string): Promise<string[]> {
  const text = await readFile(journalPath(stateDir, run), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}

/** Every container, running or not, labelled with the run. */
export async function runContainerFacts(run: string): Promise<ContainerFact[]> {
  return (await new DockerRuntime().list(runSelector(run))).map(({ id, labels }) => ({ id, labels }));
}

/** Everything the invariants look at, once a run on `upstream` with state in `stateDir` has stopped. */
export async function gatherSnapshot(input: {
  upstream: string; stateDir: string; run: string; added: string[]; tasks: TaskRecord[]; heads: string[]; containers: RunSnapshot['containers'];
}): Promise<RunSnapshot> {
  const main = await mainHistory(input.upstream);
  return {
    added: input.added,
    tasks: input.tasks,
    main,
    mainAncestors: await ancestorsOf(input.upstream, 'refs/heads/main'),
    observedHeads: input.heads,
    reachable: await reachableCommits(input.upstream, join(input.stateDir, 'repo.git')),
    agentCommits: await agentCommitsIn(input.stateDir, input.run),
    testsPass: await testsAt(input.upstream, main.map((commit) => commit.sha)),
    journalLines: await journalLines(input.stateDir, input.run),
    containers: input.containers,
  };
}
