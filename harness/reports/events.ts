/**
 * Everything the journal records. One line of journal.jsonl is one event;
 * the report is computed from these alone, so they carry what it needs.
 */
export type SessionEnd = 'done' | 'continue' | 'failed' | 'timeout' | 'hung' | 'disk' | 'oom' | 'aborted' | 'rate-limited' | 'auth';

/** What a session spent, as its agent reported it (or priced from its tokens). */
export interface SessionUsage {
  /** The model provider: `anthropic`, `openai`, or what a command agent names (default `command`). */
  provider: string;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** Which spending limit (`budget:` in the config) stopped new sessions. */
export type BudgetScope = { scope: 'run' } | { scope: 'task'; task: string } | { scope: 'role'; role: string };

/**
 * What gantry stopped, refused or cleaned to keep an agent inside its container
 * and its branch (docs/security.md): limits reached, secrets redacted,
 * planted git configuration removed, branches refused.
 */
export type ContainmentKind =
  | 'memory' | 'processes' | 'disk' | 'files' | 'hung' | 'time' | 'secret'
  | 'git-config' | 'symlink' | 'large-file' | 'branch-size' | 'tests' | 'api';

export type JournalEventBody =
  | { type: 'run.started'; controller: string; concurrency: number; /** A `gantry worker` (another host): runs tasks, gates nothing. */ worker?: boolean }
  | { type: 'run.stopped'; controller: string; reason: string }
  | { type: 'task.queued'; task: string; role: string; text: string }
  /**
   * `agent` is the agent kind (`claude-code`, `codex`, `command`…); `subject` a key of what the task is about,
   * the same for tasks of one subject from different sources. Journals written before them lack them.
   */
  | { type: 'attempt.started'; task: string; role: string; attempt: number; fence: number; agent?: string; subject?: string; /** The process (controller or worker) running it. */ controller?: string }
  | { type: 'session.started'; task: string; attempt: number; session: number }
  | ({ type: 'session.ended'; task: string; attempt: number; session: number; exitCode: number | null; end: SessionEnd; durationMs: number } & Partial<SessionUsage>)
  /** A provider answered "rate limited": every session of it waits until `until` (ISO time). */
  | { type: 'provider.backoff'; provider: string; until: string; task: string }
  /** A provider refused the key: no new session of it starts until the key is fixed and gantry restarted. */
  | { type: 'provider.auth'; provider: string; message: string; task: string }
  /** A budget was reached: sessions in its scope no longer start. */
  | ({ type: 'budget.reached'; limitUsd: number; spentUsd: number; task: string } & BudgetScope)
  | { type: 'gate.submitted'; task: string; attempt: number; head: string }
  /** The branch changes files outside its role's scope, and `roles.scope: flag` let it go on. */
  | { type: 'scope.flagged'; task: string; role: string; attempt: number; files: string[] }
  /** One test run of the gate; `batch` branches were tested together, so a failure may be another's. */
  | { type: 'gate.result'; task: string; attempt: number; commit: string; passed: boolean; exitCode: number | null; durationMs: number; batch: number }
  | { type: 'task.merged'; task: string; attempt: number; commit: string }
  /** `code`: the error's code (`MERGE_CONFLICT`, `GATE_FAILED`…), absent in older journals. */
  | { type: 'attempt.failed'; task: string; attempt: number; reason: string; final: boolean; code?: string }
  /** An oracle bisection (docs/oracle.md) began on main at `commit`; `oracle` names this bisection. */
  | { type: 'oracle.started'; oracle: string; commit: string; units: number; parallel: number; trigger: OracleTrigger }
  /** One probe answered; `set` (the candidate units) only when it is small enough to keep. */
  | { type: 'oracle.probe'; oracle: string; size: number; set?: string[]; verdict: 'pass' | 'fail'; cached: boolean; round: number }
  /** The bisection's result; `checkBuilds` are the sanity builds before it (all-oracle, all-candidate). */
  | { type: 'oracle.done'; oracle: string; commit: string; culprits: string[][]; builds: number; checkBuilds: number; probes: number; rounds: number; durationMs: number; tasks: OracleTaskRecord[] }
  | { type: 'oracle.failed'; oracle: string; commit: string; reason: string }
  /** `oracle.check` ran on main after it moved. */
  | { type: 'oracle.check'; commit: string; passed: boolean; durationMs: number }
  /** A role's task source (docs/roles.md) looked at main at `commit`: the tasks it queued and withdrew. */
  | { type: 'source.ran'; role: string; kind: string; commit: string; queued: string[]; withdrawn: string[]; durationMs: number }
  | { type: 'source.failed'; role: string; kind: string; commit: string; reason: string }
  /** Conflict prediction: a merge of the two tasks' branches, both still at work, conflicts in `files`. */
  | { type: 'conflict.predicted'; task: string; other: string; files: string[] }
  /** A session wrote to the shared memory through the agent API (`id` is the entry's in Redis; `to` for a message). */
  | { type: 'memory.recorded'; task: string; kind: string; id: string; text: string; to?: string }
  /** A session leased files (`gantry-agent lease`): tasks that declare one wait until `until` (ISO) or the release. */
  | { type: 'lease.taken'; task: string; files: string[]; until: string }
  /** `files` given back (all the lease held when it was released whole). */
  | { type: 'lease.released'; task: string; files: string[] }
  /** An agent was kept in its box: `kind` says by what, `detail` what it did. */
  | { type: 'contained'; task: string; attempt: number; kind: ContainmentKind; detail: string; session?: number }
  /** A task not yet started was taken off the queue: its subject is settled on main. */
  | { type: 'task.withdrawn'; task: string; reason: string };

/** What started an oracle bisection: `gantry oracle run`, or a failed `oracle.check` after a merge. */
export type OracleTrigger = 'manual' | 'after-merge';

/** The task made for one culprit; `created` is false when an open task for it was already queued. */
export interface OracleTaskRecord {
  task: string;
  units: string[];
  created: boolean;
}

export type JournalEvent = JournalEventBody & { ts: string; run: string };
