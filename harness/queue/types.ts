/** What a task is, as it travels through its role's task queue (`tasks.<role>`). */

export interface TaskSpec {
  /** What to do, in the words the agent will read. */
  text: string;
  role: string;
  /** Globs of the files the task is about (a hint in the brief). */
  files: string[];
  /** A command whose success shows the task is done. */
  acceptance?: string;
  /** Who made the task: 'manual', 'failing-test', 'oracle', 'gate', a role schedule. */
  source: string;
  /** What the task is about, for deduplication; defaults to the text. */
  subject?: string;
}

export interface Task extends TaskSpec {
  /** Hash of source and subject: one subject is never queued twice. */
  id: string;
  createdAt: string;
}

export type TaskState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'unknown';

export interface TaskOutcome {
  status: 'merged';
  commit: string;
  sessions: number;
}

export interface TaskRecord {
  task: Task;
  state: TaskState;
  /** Attempts made so far. */
  attempts: number;
  failedReason?: string;
  outcome?: TaskOutcome;
}

export interface TaskQueue {
  /** Queues a task unless one with the same id exists; `created` says which. */
  add(spec: TaskSpec): Promise<{ task: Task; created: boolean }>;
  /** Oldest first; only tasks in `states` when given (a run of days holds thousands of ended ones). */
  list(states?: readonly TaskState[]): Promise<TaskRecord[]>;
  /** Tasks not yet ended (waiting, active, delayed); of `roles` only, when given. */
  pending(roles?: readonly string[]): Promise<number>;
  /** Puts an ended (failed) task back in the queue with its attempts reset; false when it is not failed. */
  retry(taskId: string): Promise<boolean>;
  /** Takes a task that has not started (waiting or delayed) off the queue; false when it is running, ended or unknown. */
  withdraw(taskId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** One attempt at a task, as a worker slot runs it. */
export interface TaskAttempt {
  task: Task;
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  /** Fencing token of this attempt: any later attempt has a larger one. */
  fence: number;
  /** Aborted when the controller is forced to stop. */
  signal: AbortSignal;
}

/** One agent session of one attempt, as the controller's ledger keeps it. */
export interface SessionRecord {
  attempt: number;
  /** 1-based within the attempt. */
  session: number;
  startedAt: string;
  durationMs: number;
  exitCode: number | null;
  end: 'done' | 'continue' | 'failed' | 'timeout' | 'hung' | 'disk' | 'oom' | 'aborted' | 'rate-limited' | 'auth';
  /** Dollars the session spent. */
  costUsd?: number;
  note?: string;
}
