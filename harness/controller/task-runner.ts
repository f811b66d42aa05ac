import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentAdapter, ProviderGate } from '../agents/index.ts';
import type { GantryConfig } from '../config/types.ts';
import { displayPath } from '../config/yaml-file.ts';
import { AgentError, GantryError, isGantryError, messageOf } from '../errors.ts';
import type { ControllerRepo, IngestResult, Workspace } from '../git/types.ts';
import type { BaselineStore, MergeQueue } from '../gate/index.ts';
import type { Logger } from '../log.ts';
import { gatherBriefMemory, type MemoryStore } from '../memory/index.ts';
import { subjectKey, type Fence, type FileLeases, type TaskLedger } from '../queue/index.ts';
import type { TaskAttempt, TaskOutcome } from '../queue/types.ts';
import { configForRole, outOfScope, roleNamed, type Role } from '../roles/index.ts';
import type { Journal } from '../reports/index.ts';
import type { AgentApiHost } from '../server/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import type { ActiveBranches } from './active-branches.ts';
import { refuseUnsafeBranch } from './branch-checks.ts';
import type { BudgetGuard } from './budget-guard.ts';
import type { DiskSpace } from './disk-space.ts';
import type { Containment } from './session-outcome.ts';
import { runSessions } from './session-loop.ts';

export interface TaskRunnerDeps {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  /** The agent of one role's sessions, from gantry.yaml as that role sees it (configForRole). */
  agentFor: (roleConfig: GantryConfig) => AgentAdapter;
  providers: ProviderGate;
  budget: BudgetGuard;
  disk: DiskSpace;
  merges: MergeQueue;
  baselines: BaselineStore;
  ledger: TaskLedger;
  /** Whether this attempt still holds the task: a stale one must not record a failure or archive the work tree. */
  fence: Fence;
  /** Conflict prediction between the branches at work; the peers each brief lists. */
  branches: ActiveBranches;
  /** The shared memory the briefs draw on, and the agent API each session writes to it through. */
  memory?: { store: MemoryStore; api: AgentApiHost; leases: FileLeases };
  journal: Journal;
  logger: Logger;
  /** The gate runs on another host: each branch goes to the upstream before it is submitted, and leaves it once merged. */
  shareBranches?: boolean;
  /** This process's id, journaled with each attempt: across hosts, the record of where it ran. */
  controller?: string;
}

/** The done marker lives in the work tree; keep it out of the agent's commits. */
async function excludeMarker(workspace: Workspace): Promise<void> {
  const exclude = join(workspace.path, '.git', 'info', 'exclude');
  const current = await readFile(exclude, 'utf8').catch(() => '');
  if (!current.split('\n').includes('/.gantry/')) await appendFile(exclude, '\n/.gantry/\n');
}

/** Not the end of the task: it resumes later as the same attempt (shutdown, a newer lease, a blocked provider, a full disk). */
function isInterruption(error: unknown, attempt: TaskAttempt): boolean {
  return attempt.signal.aborted || (isGantryError(error) && ['SHUTDOWN_TIMEOUT', 'STALE_LEASE', 'PROVIDER_BLOCKED', 'DISK_FULL'].includes(error.code));
}

/** Said where it was found (once per provider, or once per shortage of space): a parked task needs no line of its own. */
const LOGGED_WHERE_FOUND = new Set(['PROVIDER_BLOCKED', 'DISK_FULL']);

/**
 * Ends that are no fault of the agent keep the work tree for a person: a
 * branch held for review goes to the gate as it is once approved; a task
 * stopped by a budget goes on from its commits once the budget is raised.
 */
function keepsWorkTree(error: unknown): boolean {
  return isGantryError(error) && !error.retryable && (error.code === 'TESTS_CHANGED' || error.code === 'BUDGET_REACHED');
}

/**
 * A branch that changes files its role does not own: sent back with the
 * files named (`roles.scope: reject`, a retryable failure the next attempt
 * reads in its brief), or journaled and let through (`flag`).
 */
async function checkScope(config: GantryConfig, role: Role, files: readonly string[], attempt: TaskAttempt, journal: Journal): Promise<void> {
  const outside = outOfScope(role.scope, files);
  if (outside.length === 0) return;
  if (config.roles.scope === 'flag') {
    await journal.append({ type: 'scope.flagged', task: attempt.task.id, role: role.name, attempt: attempt.attempt, files: outside });
    return;
  }
  throw new GantryError('OUT_OF_SCOPE', `the branch changes files outside the ${role.name} role's scope (${displayPath(role.file)}): ${outside.join(', ')}; put them back as they are on main (\`git checkout origin/${config.repo.main} -- FILE\`) and commit`, {
    retryable: true,
    data: { files: outside },
  });
}

/** The brief's share of the memory (peers as the branches last showed them) and the session's API. */
function sessionMemory(memory: NonNullable<TaskRunnerDeps['memory']>, branches: ActiveBranches, attempt: TaskAttempt) {
  const { task } = attempt;
  return {
    brief: async () => {
      const files = [...task.files, ...(await branches.files(task.id))];
      return gatherBriefMemory(memory.store, { id: task.id, role: task.role, files }, await branches.peers(task.id));
    },
    openApi: (ttlMs: number, session: number) => memory.api.open({ task: task.id, role: task.role }, ttlMs, { attempt: attempt.attempt, session }),
  };
}

function isFinal(error: unknown, attempt: TaskAttempt): boolean {
  return !isGantryError(error) || !error.retryable || attempt.attempt >= attempt.maxAttempts;
}

/**
 * One attempt at a task, start to end: work tree, sessions, ingest, gate and
 * merge. A retryable failure leaves the work tree for the next attempt (the
 * agent's commits carry over) and puts the reason in its brief; the last
 * failure archives the branch. Shutdown and lost leases are not failures.
 */
export function createTaskRunner(deps: TaskRunnerDeps): (attempt: TaskAttempt) => Promise<TaskOutcome> {
  const run = runAttempt(deps);
  // What fails before the attempt's own handling (writing its first journal
  // line) is seen as the disk's when it is; what that handling threw was
  // explained there already.
  return (attempt) => run(attempt).catch(async (error: unknown) => {
    throw isGantryError(error) ? error : await deps.disk.explain(error);
  });
}

function runAttempt(deps: TaskRunnerDeps): (attempt: TaskAttempt) => Promise<TaskOutcome> {
  const { repo, journal, ledger, logger } = deps;
  const agents = new Map<string, AgentAdapter>();
  const agentOf = (roleConfig: GantryConfig, role: string) => {
    const agent = agents.get(role) ?? deps.agentFor(roleConfig);
    agents.set(role, agent);
    return agent;
  };
  return async (attempt) => {
    const { task } = attempt;
    const log = logger.child({ task: task.id, attempt: attempt.attempt });
    // An attempt that lost the task (its lease lapsed, a newer attempt took over) ends as stale, whatever it met:
    // its failure is not the task's, and the work tree it would archive is the newer attempt's.
    const staleOrAsIs = async (error: unknown) => {
      if (isGantryError(error) && error.code === 'STALE_LEASE') return error;
      try {
        await deps.fence.assertCurrent(task.id, attempt.fence);
        return error;
      } catch (stale) {
        return isGantryError(stale) && stale.code === 'STALE_LEASE' ? stale : error;
      }
    };
    const role = roleNamed(deps.config, task.role);
    const config = configForRole(deps.config, role);
    const agent = agentOf(config, role.name);
    const subject = subjectKey(task);
    const settled = await ledger.subjectMerged(subject);
    if (settled && settled.taskId !== task.id) {
      // Another source queued the same subject and its task merged: running this one would be the same work twice.
      await journal.append({ type: 'task.withdrawn', task: task.id, reason: `task ${settled.taskId} of the same subject merged (${settled.commit.slice(0, 12)})` });
      log.info({ other: settled.taskId }, 'subject already merged by another task; nothing to do');
      return { status: 'merged', commit: settled.commit, sessions: 0 };
    }
    await journal.append({ type: 'attempt.started', task: task.id, role: task.role, attempt: attempt.attempt, fence: attempt.fence, agent: agent.kind, subject, ...(deps.controller ? { controller: deps.controller } : {}) });
    const dir = join(config.stateDir, 'runs', journal.run, 'tasks', task.id, `attempt-${attempt.attempt}`);
    let workspace: Workspace | undefined;
    const contained = async ({ kind, detail }: Containment) => {
      log.warn({ kind }, `the branch ${detail}`);
      await journal.append({ type: 'contained', task: task.id, attempt: attempt.attempt, kind, detail });
    };
    const ingest = async (tree: Workspace) => {
      const ingested = await repo.ingest(tree);
      if (ingested.planted.length > 0) await contained({ kind: 'git-config', detail: `planted what would run code or redirect git, removed before the fetch: ${ingested.planted.join(', ')}` });
      return ingested;
    };
    // A prediction is advice: when it cannot be made, the attempt goes on without it.
    const predict = async (branch: () => Promise<IngestResult>) => {
      try {
        const { head, files, ahead } = await branch();
        // A branch too large to merge is not worth comparing (nor keeping in Redis): the final checks refuse it.
        if (ahead === 0 || files.length > config.limits.branchFiles) return;
        for (const overlap of await deps.branches.update(task, head, files)) {
          log.warn({ other: overlap.task, files: overlap.conflicts }, 'this branch and another at work conflict');
          await journal.append({ type: 'conflict.predicted', task: task.id, other: overlap.task, files: overlap.conflicts });
        }
      } catch (error) {
        log.warn({ err: messageOf(error) }, 'could not predict conflicts with the other branches');
      }
    };
    const others = () => deps.branches.overlaps(task.id).catch((error: unknown) => {
      log.warn({ err: messageOf(error) }, 'could not look at the other branches');
      return [];
    });
    // A merged branch leaves the upstream (whichever attempt pushed it); a failed delete leaves it there, no worse.
    const unpublish = async () => {
      if (!deps.shareBranches) return;
      await repo.unpublishBranch(task.id, attempt.fence).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'could not delete the merged task branch from the upstream; it is left there'));
    };
    await deps.branches.start(task);
    let ended = false;
    try {
      const merged = await deps.merges.alreadyMerged(task.id);
      if (merged) {
        // Merged before a crash hid it: record it (again; the report counts it once) and archive its branch.
        await journal.append({ type: 'task.merged', task: task.id, attempt: attempt.attempt, commit: merged });
        await ledger.markSubjectMerged(subject, task.id, merged);
        await repo.archive(await repo.workspace(task.id, config.container.user), 'merged');
        await unpublish();
        return { status: 'merged', commit: merged, sessions: 0 };
      }
      // Main moves on the gate's host: a worker's clone learns of it from the upstream.
      if (deps.shareBranches) await repo.syncMain();
      const tree = await repo.workspace(task.id, config.container.user);
      workspace = tree;
      await excludeMarker(workspace);
      const loop = await runSessions({
        config, runtime: deps.runtime, agent, providers: deps.providers, budget: deps.budget, disk: deps.disk, logger: log, ledger, journal, attempt, workspace, dir,
        deadline: Date.now() + config.limits.taskTimeoutMs,
        ...await deps.baselines.latest().then((latest) => (latest ? { baseline: latest.run } : {})),
        branches: { others, afterSession: () => predict(() => ingest(tree)) },
        ...(deps.memory ? { memory: sessionMemory(deps.memory, deps.branches, attempt) } : {}),
      });
      if (!loop.done) log.info({ sessions: loop.sessions }, 'session limit reached without done; gating what was committed');
      const ingested = await ingest(workspace);
      if (ingested.ahead === 0) {
        throw new AgentError('AGENT_FAILED', `the agent made no commit in ${loop.sessions} session(s); commit the work on the task branch`, { retryable: true });
      }
      await refuseUnsafeBranch(repo, config, ingested, contained);
      await predict(async () => ingested);
      await checkScope(config, role, ingested.files, attempt, journal);
      if (deps.shareBranches) await repo.publishBranch(task.id, attempt.fence, ingested.head);
      await journal.append({ type: 'gate.submitted', task: task.id, attempt: attempt.attempt, head: ingested.head });
      const commit = await deps.merges.submit({ taskId: task.id, attempt: attempt.attempt, fence: attempt.fence, head: ingested.head }, attempt.signal);
      await journal.append({ type: 'task.merged', task: task.id, attempt: attempt.attempt, commit });
      await ledger.markSubjectMerged(subject, task.id, commit);
      await repo.archive(workspace, 'merged');
      await unpublish();
      ended = true;
      log.info({ commit }, 'merged');
      return { status: 'merged', commit, sessions: loop.sessions };
    } catch (thrown) {
      const error = await staleOrAsIs(await deps.disk.explain(thrown));
      if (isInterruption(error, attempt)) {
        if (isGantryError(error) && LOGGED_WHERE_FOUND.has(error.code)) log.info({ code: error.code }, 'attempt parked; the task resumes as the same attempt');
        else log.warn({ reason: messageOf(error) }, 'attempt interrupted; the task will resume');
        throw error;
      }
      const final = isFinal(error, attempt);
      ended = final;
      const reason = messageOf(error);
      // A budget is no failure of the agent: the next brief need not tell it about one.
      if (!(isGantryError(error) && error.code === 'BUDGET_REACHED')) await ledger.recordFailure(task.id, `attempt ${attempt.attempt}: ${reason}`);
      await journal.append({ type: 'attempt.failed', task: task.id, attempt: attempt.attempt, reason, final, ...(isGantryError(error) ? { code: error.code } : {}) });
      // A work tree past its limits would stop every next session at once: it goes, its commits archived.
      const overLimit = isGantryError(error) && error.code === 'WORK_TREE_LIMIT';
      if (workspace && ((final && !keepsWorkTree(error)) || overLimit)) await repo.archive(workspace, final ? 'failed' : 'work tree over its limits');
      log.warn({ reason, final }, final ? 'task failed' : 'attempt failed; retrying');
      throw isGantryError(error) ? error : new GantryError('AGENT_FAILED', reason, { cause: error, retryable: !final });
    } finally {
      // A task that merged or failed for good changes no file any more: its lease would only hold others back.
      if (ended) await deps.memory?.leases.release(task.id).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'could not release the task\'s file lease; it lapses on its own'));
      await deps.branches.end(task.id).catch((error: unknown) => log.warn({ err: messageOf(error) }, 'could not take the branch off the active ones; it ages out'));
    }
  };
}
