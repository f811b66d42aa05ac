import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../harness/queue/index.ts';
import type { JournalEventBody } from '../../harness/reports/index.ts';
import { commitFiles, makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import { readTree } from '../helpers/project-fixture.ts';
import {
  checkAgentCommitsKept, checkContainerOwners, checkGateAtMerges, checkInvariants, checkJournal, checkMergesKept, checkTaskEnds,
  type RunSnapshot, type Violation,
} from './invariants.ts';
import { agentCommitsIn, ancestorsOf, journalLines, mainHistory, reachableCommits, runContainerFacts, testsAt } from './snapshot.ts';

const FIXTURE = new URL('../fixtures/repos/chaos', import.meta.url).pathname;
const RUN = `invariants-${process.pid}-${Date.now()}`;

/**
 * A small run made by hand, the way gantry leaves one: an upstream whose main
 * merged tasks one and two (`Gantry-Task:` trailers), a controller clone
 * holding the failed task bad's branch under refs/gantry/archive, session
 * logs naming every agent commit, a journal, the queue's records.
 */
interface World {
  upstream: Upstream;
  /** The agents' clone: where their commits are made. */
  work: string;
  stateDir: string;
  clone: string;
  observedHeads: string[];
  tasks: TaskRecord[];
  agentCommits: Record<string, string>;
  merges: Record<string, string>;
  journal: string;
}

let world: World;
let root: string;

function record(id: string, state: 'completed' | 'failed', commit?: string): TaskRecord {
  const task = { id, text: `note ${id}`, role: 'core', files: [], source: 'manual', createdAt: '2025-01-01T00:00:00.000Z' };
  return state === 'completed'
    ? { task, state, attempts: 1, outcome: { status: 'merged', commit: commit ?? '', sessions: 1 } }
    : { task, state, attempts: 2, failedReason: 'GATE_FAILED: the tests failed' };
}

async function journal(events: JournalEventBody[]): Promise<void> {
  await appendFile(world.journal, events.map((event) => `${JSON.stringify({ ts: new Date().toISOString(), run: RUN, ...event })}\n`).join(''));
}

async function sessionLog(task: string, ...shas: string[]): Promise<void> {
  const dir = join(world.stateDir, 'runs', RUN, 'tasks', task, 'attempt-1');
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, 'session-1.log'), shas.map((sha) => `chaos-commit ${sha}\n`).join(''));
}

/** An agent's commit on its task branch, named in its session log. */
async function agentCommit(task: string, content: string): Promise<string> {
  await plainGit(world.work, ['switch', '--quiet', '--create', `gantry/${task}`, 'main']);
  const sha = await commitFiles(world.work, { [`notes/${task}.txt`]: `${content}\n` }, `note ${task}`);
  await plainGit(world.work, ['switch', '--quiet', 'main']);
  await sessionLog(task, sha);
  world.agentCommits[task] = sha;
  return sha;
}

/** Merges the task's branch into main as the gate does (a merge commit with the trailer) and pushes it. */
async function mergeTask(task: string): Promise<string> {
  await plainGit(world.work, ['merge', '--quiet', '--no-ff', '-m', `Merge task ${task}\n\nGantry-Task: ${task}`, `gantry/${task}`]);
  await plainGit(world.work, ['push', '--quiet', world.upstream.dir, 'main:refs/heads/main']);
  const sha = await plainGit(world.work, ['rev-parse', 'HEAD']);
  world.observedHeads.push(sha);
  world.merges[task] = sha;
  return sha;
}

async function snapshot(containers: Partial<RunSnapshot['containers']> = {}): Promise<RunSnapshot> {
  const main = await mainHistory(world.upstream.dir);
  return {
    added: world.tasks.map((r) => r.task.id),
    tasks: world.tasks,
    main,
    mainAncestors: await ancestorsOf(world.upstream.dir, 'refs/heads/main'),
    observedHeads: world.observedHeads,
    reachable: await reachableCommits(world.upstream.dir, world.clone),
    agentCommits: await agentCommitsIn(world.stateDir, RUN),
    testsPass: await testsAt(world.upstream.dir, main.map((c) => c.sha)),
    journalLines: await journalLines(world.stateDir, RUN),
    containers: { recovered: [], aliveOwners: [], afterStop: [], ...containers },
  };
}

const kinds = (violations: Violation[]) => violations.map((v) => v.kind);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-invariants-'));
  const upstream = await makeUpstream({ files: await readTree(FIXTURE) });
  const stateDir = join(root, 'state');
  world = {
    upstream, work: join(root, 'work'), stateDir, clone: join(stateDir, 'repo.git'),
    observedHeads: [await upstream.head()], tasks: [], agentCommits: {}, merges: {},
    journal: join(stateDir, 'runs', RUN, 'journal.jsonl'),
  };
  await mkdir(join(stateDir, 'runs', RUN), { recursive: true });
  await plainGit(root, ['clone', '--quiet', upstream.dir, world.work]);
  for (const task of ['one', 'two']) {
    await agentCommit(task, task);
    const merge = await mergeTask(task);
    world.tasks.push(record(task, 'completed', merge));
    await journal([{ type: 'attempt.started', task, role: 'core', attempt: 1, fence: 1 }, { type: 'task.merged', task, attempt: 1, commit: merge }]);
  }
  // Task bad: its commit fails the tests; the gate refused it twice and its branch was archived.
  await agentCommit('bad', 'not-bad');
  world.tasks.push(record('bad', 'failed'));
  await journal([
    { type: 'attempt.started', task: 'bad', role: 'core', attempt: 1, fence: 1 },
    { type: 'attempt.failed', task: 'bad', attempt: 1, reason: 'GATE_FAILED', final: false },
    { type: 'attempt.started', task: 'bad', role: 'core', attempt: 2, fence: 2 },
    { type: 'attempt.failed', task: 'bad', attempt: 2, reason: 'GATE_FAILED', final: true },
  ]);
  await plainGit(root, ['clone', '--quiet', '--bare', upstream.dir, world.clone]);
  await plainGit(world.clone, ['fetch', '--quiet', world.work, 'refs/heads/gantry/bad:refs/gantry/archive/bad/1']);
});

afterEach(async () => {
  await world.upstream.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('the chaos run invariants', () => {
  it('when the run is healthy, no check reports anything', async () => {
    const healthy = await snapshot();

    expect(checkInvariants(healthy)).toEqual([]);
    // What the checks looked at: seed and two merges on main, three agent commits, a passing suite at each merge.
    expect(healthy.main.map((c) => c.tasks)).toEqual([['two'], ['one'], []]);
    expect(healthy.agentCommits.map((c) => c.task).sort()).toEqual(['bad', 'one', 'two']);
    expect([...healthy.testsPass.values()]).toEqual([true, true, true]);
  });

  it('(a) when a task merged twice, a task was lost, or one failed without a reason, the task-ends check says which', async () => {
    await plainGit(world.work, ['commit', '--quiet', '--allow-empty', '-m', 'Merge task one\n\nGantry-Task: one']);
    await plainGit(world.work, ['push', '--quiet', world.upstream.dir, 'main:refs/heads/main']);
    world.tasks = world.tasks.map((r) => (r.task.id === 'bad' ? { ...r, failedReason: '' } : r));
    const broken = { ...(await snapshot()), added: [...world.tasks.map((r) => r.task.id), 'vanished'] };

    const found = checkTaskEnds(broken);

    expect(kinds(found).sort()).toEqual(['double-merge', 'failed-without-reason', 'task-lost']);
    expect(found.find((v) => v.kind === 'double-merge')?.message).toMatch(/^task one merged 2 times/);
  });

  it('(b) when main is moved back and a merged commit leaves it, the merges-kept check names the lost head and the journaled merge', async () => {
    await plainGit(world.upstream.dir, ['update-ref', 'refs/heads/main', world.merges.one ?? '']);

    const found = checkMergesKept(await snapshot());

    expect(found.map((v) => v.message)).toEqual([
      `main was at ${world.merges.two?.slice(0, 12)} during the run, and final main does not contain it`,
      `task two was journaled merged as ${world.merges.two?.slice(0, 12)}, which final main does not contain`,
    ]);
  });

  it('(c) when an agent commit is reachable from no ref, the agent-commits check names it', async () => {
    const lost = await agentCommit('lost', 'lost');

    const found = checkAgentCommitsKept(await snapshot());

    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain(`agent commit ${lost.slice(0, 12)}`);
    expect(found[0]?.message).toContain('task lost');
  });

  it('(d) when a merge commit on main fails the tests, the gate check names that merge', async () => {
    const broken = await mergeTask('bad');

    const found = checkGateAtMerges(await snapshot());

    expect(found.map((v) => v.message)).toEqual([`main's tests fail at ${broken.slice(0, 12)} (the merge of bad)`]);
  });

  it('(e) when a container of the run has an owner that is not alive, or outlives the last stop, the container check reports it', async () => {
    const labels = { gantry: 'true', 'gantry.run': RUN, 'gantry.owner': 'killed-controller', 'gantry.task': 'one', 'gantry.purpose': 'session' };
    await execa('docker', ['run', '-d', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), '--network', 'none', 'gantry/agent-base', 'sleep', '60']);
    try {
      const containers = await runContainerFacts(RUN);

      const found = checkContainerOwners(await snapshot({ recovered: containers, aliveOwners: ['live-controller'], afterStop: containers }));

      expect(found.map((v) => v.message)).toEqual([
        expect.stringContaining('(session of one) belongs to killed-controller, which is not alive'),
        expect.stringContaining('(session of one) outlived the clean stop of every controller'),
      ]);
    } finally {
      const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${RUN}`]);
      if (stdout.trim()) await execa('docker', ['rm', '-f', ...stdout.split('\n').filter(Boolean)]);
    }
  });

  it('(e) when the container of a live owner runs after recovery, the container check accepts it', async () => {
    const container = { id: 'c0ffee', labels: { 'gantry.owner': 'live-controller' } };
    expect(checkContainerOwners(await snapshot({ recovered: [container], aliveOwners: ['live-controller'] }))).toEqual([]);
  });

  it('(f) when the journal misses a task.merged, has a torn line, or an attempt that never ended, the journal check reports each', async () => {
    const lines = (await readFile(world.journal, 'utf8')).split('\n').filter((line) => !line.includes('"task.merged","task":"two"'));
    await writeFile(world.journal, `${lines.join('\n')}{"ts":"2025-01-01T00:00:00.000Z","type":"attem\n`);
    await journal([{ type: 'attempt.started', task: 'one', role: 'core', attempt: 2, fence: 3 }]);

    const found = checkJournal(await snapshot());

    expect(found.map((v) => v.message)).toEqual([
      `line ${lines.length} of the journal does not parse`,
      `main merges task two at ${world.merges.two?.slice(0, 12)}, and no task.merged says so`,
      'task two completed, and no task.merged says so',
      'attempt 1 of task two started and never ended',
      'attempt 2 of task one started and never ended',
    ]);
  });
});
