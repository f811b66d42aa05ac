/**
 * What must hold after a run however it was disturbed (issue 9; DESIGN.md,
 * "Reliability model"). Each check is a pure function over a snapshot
 * gathered from the real run (snapshot.ts) and returns one violation per
 * thing found wrong, with a message that says which task, commit or line.
 */
import type { JournalEvent } from '../../harness/reports/index.ts';
import type { TaskRecord } from '../../harness/queue/index.ts';
import { LABEL } from '../../harness/runtime/index.ts';

export type Invariant =
  | 'task-ends'
  | 'merges-kept'
  | 'agent-commits-kept'
  | 'gate-at-merges'
  | 'container-owners'
  | 'journal-complete';

/** Named so that figures can count them: `double-merge`, `task-lost`, `lost-commit`… */
export type ViolationKind =
  | 'task-lost'
  | 'double-merge'
  | 'merged-not-on-main'
  | 'failed-without-reason'
  | 'failed-but-merged'
  | 'merge-of-unknown-task'
  | 'lost-merge'
  | 'lost-commit'
  | 'gate-broken'
  | 'orphan'
  | 'journal-gap';

export interface Violation {
  invariant: Invariant;
  kind: ViolationKind;
  message: string;
}

/** One commit of main's first-parent history. */
export interface MainCommit {
  sha: string;
  /** Task ids of its `Gantry-Task:` trailers. */
  tasks: string[];
}

/** A commit an agent said it made (a `chaos-commit <sha>` line in a session log). */
export interface AgentCommit {
  sha: string;
  task: string;
  /** The session log that names it. */
  log: string;
}

export interface ContainerFact {
  id: string;
  labels: Record<string, string>;
}

export interface RunSnapshot {
  /** Ids of every task queued during the run. */
  added: readonly string[];
  /** The queue's view once the run drained (`gantry task list --json`). */
  tasks: readonly TaskRecord[];
  /** Final main of the upstream, first parent only, newest first. */
  main: readonly MainCommit[];
  /** Every commit reachable from final main. */
  mainAncestors: ReadonlySet<string>;
  /** Every main head seen while the run went on. */
  observedHeads: readonly string[];
  /** Every commit reachable from a ref of the upstream or of the controller's clone (main, archive and incoming refs). */
  reachable: ReadonlySet<string>;
  agentCommits: readonly AgentCommit[];
  /** Whether the project's tests pass at a commit, for each commit of `main`. */
  testsPass: ReadonlyMap<string, boolean>;
  /** journal.jsonl, line by line. */
  journalLines: readonly string[];
  containers: {
    /** The run's containers once it had recovered from the last fault, and the controllers alive then. */
    recovered: readonly ContainerFact[];
    aliveOwners: readonly string[];
    /** The run's containers after every controller stopped cleanly. */
    afterStop: readonly ContainerFact[];
  };
}

const short = (sha: string) => sha.slice(0, 12);

function mergesByTask(main: readonly MainCommit[]): Map<string, string[]> {
  const merges = new Map<string, string[]>();
  for (const commit of main) {
    for (const task of commit.tasks) merges.set(task, [...(merges.get(task) ?? []), commit.sha]);
  }
  return merges;
}

/** (a) Every task ended merged exactly once (one `Gantry-Task:` merge on main) or failed with a reason. */
export function checkTaskEnds(snapshot: RunSnapshot): Violation[] {
  const found: Violation[] = [];
  const add = (kind: ViolationKind, message: string) => found.push({ invariant: 'task-ends', kind, message });
  const merges = mergesByTask(snapshot.main);
  const records = new Map(snapshot.tasks.map((record) => [record.task.id, record]));
  for (const id of snapshot.added) {
    const record = records.get(id);
    if (!record) add('task-lost', `task ${id} was queued but the queue no longer knows it`);
    else if (record.state !== 'completed' && record.state !== 'failed') add('task-lost', `task ${id} never ended: still ${record.state}`);
  }
  for (const record of snapshot.tasks) {
    const { id } = record.task;
    const onMain = merges.get(id) ?? [];
    if (onMain.length > 1) add('double-merge', `task ${id} merged ${onMain.length} times: ${onMain.map(short).join(', ')}`);
    if (record.state === 'completed' && onMain.length === 0) add('merged-not-on-main', `task ${id} completed (${record.outcome?.commit ?? 'no commit'}) but no merge of it is on main`);
    if (record.state === 'failed' && !record.failedReason?.trim()) add('failed-without-reason', `task ${id} failed without a reason`);
    if (record.state === 'failed' && onMain.length > 0) add('failed-but-merged', `task ${id} failed, yet main has its merge ${short(onMain[0] ?? '')}`);
  }
  for (const task of merges.keys()) {
    if (!records.has(task)) add('merge-of-unknown-task', `main merges task ${task}, which the queue does not know`);
  }
  return found;
}

/** (b) No merged commit is lost from main: every head seen and every `task.merged` commit is final main or behind it. */
export function checkMergesKept(snapshot: RunSnapshot): Violation[] {
  const found: Violation[] = [];
  for (const head of new Set(snapshot.observedHeads)) {
    if (!snapshot.mainAncestors.has(head)) found.push({ invariant: 'merges-kept', kind: 'lost-merge', message: `main was at ${short(head)} during the run, and final main does not contain it` });
  }
  for (const event of parseJournal(snapshot.journalLines).events) {
    if (event.type === 'task.merged' && !snapshot.mainAncestors.has(event.commit)) {
      found.push({ invariant: 'merges-kept', kind: 'lost-merge', message: `task ${event.task} was journaled merged as ${short(event.commit)}, which final main does not contain` });
    }
  }
  return found;
}

/** (c) No agent commit is lost: each is reachable from a ref of the upstream or of the controller's clone. */
export function checkAgentCommitsKept(snapshot: RunSnapshot): Violation[] {
  return snapshot.agentCommits
    .filter((commit) => !snapshot.reachable.has(commit.sha))
    .map((commit) => ({ invariant: 'agent-commits-kept', kind: 'lost-commit', message: `task ${commit.task}: agent commit ${short(commit.sha)} (${commit.log}) is reachable from no ref` }));
}

/** (d) Main passes the gate at every commit of its first-parent history. */
export function checkGateAtMerges(snapshot: RunSnapshot): Violation[] {
  return snapshot.main.flatMap((commit): Violation[] => {
    const passes = snapshot.testsPass.get(commit.sha);
    if (passes === true) return [];
    const what = commit.tasks.length > 0 ? `the merge of ${commit.tasks.join(', ')}` : 'a commit';
    return [{ invariant: 'gate-at-merges', kind: 'gate-broken', message: `main's tests ${passes === false ? 'fail' : 'were not run'} at ${short(commit.sha)} (${what})` }];
  });
}

/** (e) After recovery every container of the run has a live owner; after the last clean stop none is left. */
export function checkContainerOwners(snapshot: RunSnapshot): Violation[] {
  const { recovered, aliveOwners, afterStop } = snapshot.containers;
  const alive = new Set(aliveOwners);
  const found: Violation[] = [];
  for (const container of recovered) {
    const owner = container.labels[LABEL.owner];
    if (owner === undefined || !alive.has(owner)) {
      found.push({ invariant: 'container-owners', kind: 'orphan', message: `container ${container.id.slice(0, 12)} (${describe(container)}) ${owner ? `belongs to ${owner}, which is not alive` : 'has no owner'}` });
    }
  }
  for (const container of afterStop) {
    found.push({ invariant: 'container-owners', kind: 'orphan', message: `container ${container.id.slice(0, 12)} (${describe(container)}) outlived the clean stop of every controller` });
  }
  return found;
}

function describe(container: ContainerFact): string {
  return `${container.labels[LABEL.purpose] ?? 'no purpose'} of ${container.labels[LABEL.task] ?? 'no task'}`;
}

/**
 * (f) The journal has no gap: every line parses; every merge on main has its
 * `task.merged`; every ended task has its terminal event; every
 * `attempt.started` is followed by that attempt's end or a later start of
 * the task.
 */
export function checkJournal(snapshot: RunSnapshot): Violation[] {
  const found: Violation[] = [];
  const gap = (message: string) => found.push({ invariant: 'journal-complete', kind: 'journal-gap', message });
  const { events, unparsable } = parseJournal(snapshot.journalLines);
  for (const line of unparsable) gap(`line ${line} of the journal does not parse`);
  const mergedEvents = new Set(events.flatMap((e) => (e.type === 'task.merged' ? [`${e.task} ${e.commit}`] : [])));
  for (const commit of snapshot.main) {
    for (const task of commit.tasks) {
      if (!mergedEvents.has(`${task} ${commit.sha}`)) gap(`main merges task ${task} at ${short(commit.sha)}, and no task.merged says so`);
    }
  }
  for (const record of snapshot.tasks) {
    const { id } = record.task;
    if (record.state === 'completed' && !events.some((e) => (e.type === 'task.merged' || e.type === 'task.withdrawn') && e.task === id)) gap(`task ${id} completed, and no task.merged says so`);
    if (record.state === 'failed' && !events.some((e) => e.type === 'attempt.failed' && e.task === id && e.final)) gap(`task ${id} failed, and no final attempt.failed says why`);
  }
  events.forEach((event, index) => {
    if (event.type !== 'attempt.started') return;
    const ended = events.slice(index + 1).some((later) =>
      (later.type === 'attempt.failed' && later.task === event.task && later.attempt === event.attempt) ||
      (later.type === 'task.merged' && later.task === event.task) ||
      (later.type === 'attempt.started' && later.task === event.task));
    if (!ended) gap(`attempt ${event.attempt} of task ${event.task} started and never ended`);
  });
  return found;
}

export function parseJournal(lines: readonly string[]): { events: JournalEvent[]; unparsable: number[] } {
  const events: JournalEvent[] = [];
  const unparsable: number[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as JournalEvent);
    } catch {
      unparsable.push(index + 1);
    }
  });
  return { events, unparsable };
}

/** Every invariant, in the issue's order. */
export function checkInvariants(snapshot: RunSnapshot): Violation[] {
  return [checkTaskEnds, checkMergesKept, checkAgentCommitsKept, checkGateAtMerges, checkContainerOwners, checkJournal].flatMap((check) => check(snapshot));
}
