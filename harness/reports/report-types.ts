import type { CoordinationReport } from './coordination.ts';
import type { ContainmentKind } from './events.ts';

export interface ContainedReport {
  at: string;
  task: string;
  attempt: number;
  session?: number;
  kind: ContainmentKind;
  detail: string;
}
import type { BudgetScope, SessionEnd } from './events.ts';

/**
 * The stable JSON shape of `gantry report --format json`; docs/reports.md
 * describes it field by field and a unit test keeps the two in step. Fields
 * are only ever added, never renamed.
 */
/** `withdrawn`: taken off the queue before it started, its subject settled on main (the reason says how). */
export type TaskStatus = 'queued' | 'running' | 'merged' | 'failed' | 'withdrawn';

export interface TaskReport {
  id: string;
  role: string;
  /** The agent kind of the latest attempt; absent when the journal does not say. */
  agent?: string;
  /** What was asked (from `task.queued`); absent when that event is not in the window. */
  text?: string;
  status: TaskStatus;
  attempts: number;
  sessions: number;
  /** Gate suite runs this branch was part of (alone or in a batch). */
  gateRuns: number;
  /** Time in those runs. */
  gateTestMs: number;
  /** Time at the gate not spent testing it: waiting for the lock, other batches, merging. */
  gateWaitMs: number;
  merges: string[];
  costUsd: number;
  /** The part of costUsd spent on rejected or abandoned work (see SessionCost.outcome). */
  wasteUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** From `task.queued` (or the first `attempt.started`) to the first `task.merged`. */
  timeToMergeMs?: number;
  reason?: string;
  /** Files its branch changed outside its role's scope, let through by `roles.scope: flag`. */
  outOfScope?: string[];
}

export interface MergeReport {
  task: string;
  role: string;
  agent?: string;
  sessions: number;
  gateRuns: number;
  commit: string;
  mergedAt: string;
  timeToMergeMs: number | null;
  costUsd: number;
}

export interface RejectionReport {
  task: string;
  role: string;
  attempt: number;
  at: string;
  reason: string;
  /** The task gave up: no attempt follows. */
  final: boolean;
}

/** Why a task is not progressing: a budget stopped its sessions, or its provider refused the key. */
export type StopReport =
  | { kind: 'budget'; task: string; role: string; at: string; budget: BudgetScope; limitUsd: number; spentUsd: number }
  | { kind: 'auth'; task: string; role: string; at: string; provider: string; message: string };

/**
 * `merged`: the attempt's work reached main. `wasted`: its attempt was
 * rejected (`attempt.failed`) or its task failed for good. `open`: the task
 * is still undecided; that spend becomes one of the other two when it ends.
 */
export type SessionOutcome = 'merged' | 'wasted' | 'open';

export interface SessionCost {
  task: string;
  role: string;
  attempt: number;
  session: number;
  /** When the session ended. */
  at: string;
  end: SessionEnd;
  durationMs: number;
  /** Absent when the session reported no usage. */
  provider?: string;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  outcome: SessionOutcome;
}

export interface RoleReport {
  role: string;
  tasks: number;
  merged: number;
  failed: number;
  sessions: number;
  costUsd: number;
  wasteUsd: number;
  /** costUsd / merged; null when the role merged nothing. */
  costPerMergeUsd: number | null;
}

export interface TimelinePoint {
  /** Start of the bucket (ISO time). */
  start: string;
  /** Spend of the sessions that ended in the bucket. */
  costUsd: number;
  sessions: number;
  merges: number;
}

export interface Timeline {
  /** Bucket width, chosen so the window has 10–60 buckets (fewer only for a window under 10 s). */
  bucketMs: number;
  points: TimelinePoint[];
}

export interface RunReport {
  run: string;
  /** The `--since` cut-off, when one was given: only events at or after it were read. */
  since?: string;
  /** First and last event read (ISO); null for an empty journal. */
  from: string | null;
  to: string | null;
  tasks: TaskReport[];
  merges: MergeReport[];
  rejections: RejectionReport[];
  stops: StopReport[];
  sessions: SessionCost[];
  roles: RoleReport[];
  /** Conflicts, duplicate work and merge success, in total and by role. */
  coordination: CoordinationReport;
  /** What agents were stopped or refused for (docs/security.md), oldest first. */
  contained: ContainedReport[];
  timeline: Timeline;
  totals: {
    tasks: number;
    merged: number;
    failed: number;
    sessions: number;
    /** Full-suite runs of the gate (a batch run counts once). */
    suiteRuns: number;
    /** suiteRuns / merged: what the gate spent per branch let in. */
    suiteRunsPerMerge: number;
    rejections: number;
    costUsd: number;
    wasteUsd: number;
    openUsd: number;
    inputTokens: number;
    outputTokens: number;
    /** costUsd / merged, waste included; null when nothing merged. */
    costPerMergeUsd: number | null;
    /** Merged tasks per hour of the window (from → to); null for an empty window. */
    mergesPerHour: number | null;
  };
}
