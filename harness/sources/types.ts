import type { TestRunResult } from '../gate/test-run.ts';
import type { MainCommit } from '../git/types.ts';
import type { TaskRecord, TaskSpec } from '../queue/types.ts';
import type { Role } from '../roles/types.ts';

export interface CommandOutcome {
  exitCode: number | null;
  timedOut: boolean;
  /** Everything it printed (the first megabyte). */
  output: string;
}

/** What a task source sees when it runs: main at one commit, and what changed since its last run. */
export interface SourceInput {
  role: Role;
  /** Main's commit being looked at. */
  head: string;
  /** Main's first-parent commits since this source last ran, oldest first (empty on its first run). */
  commits: MainCommit[];
  /** What the source kept from its last run (see SourceOutput.memo). */
  memo?: unknown;
  /** A plain copy of main's tree at `head`, exported on first use. */
  tree(): Promise<string>;
  /** Runs a shell command on main at `head` in the gate's container, with `env` exported. */
  runOnMain(command: string, env?: Record<string, string>): Promise<CommandOutcome>;
  /** The full suite's per-test results on main at `head` (the gate's stored run when it has one). */
  suiteOnMain(): Promise<TestRunResult>;
  /** The role's tasks, with their states. */
  tasks(): Promise<TaskRecord[]>;
}

export interface SourceOutput {
  /** Queued unless a task of the same subject exists (see taskId). */
  tasks: Array<Omit<TaskSpec, 'role' | 'source'>>;
  /** Tasks not yet started whose subject is settled on main: taken off the queue. */
  withdraw?: Array<{ taskId: string; reason: string }>;
  /** Kept for the next run (a benchmark's last numbers). */
  memo?: unknown;
}

export type TaskSourceRun<S> = (source: S, input: SourceInput) => Promise<SourceOutput>;
