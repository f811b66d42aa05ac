import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { GantryConfig } from '../config/types.ts';
import { oracleReports, type OracleReport } from '../oracle/oracle-report.ts';
import type { TaskQueue, TaskRecord, TaskState } from '../queue/types.ts';
import { agentsAtWork, type AgentAtWork } from '../reports/agents-at-work.ts';
import { gateTimeline, type GateStep } from '../reports/gate-timeline.ts';
import type { LiveJournal } from '../reports/live-journal.ts';
import { countBy, roundUsd } from '../reports/numbers.ts';
import type { RunReport } from '../reports/report-types.ts';

export interface AgentView extends AgentAtWork {
  /** The last line the current session printed (secrets already redacted in its log), at most 200 characters. */
  lastLine: string;
}

export interface BudgetView {
  spentUsd: number;
  /** `budget.run` and what is left of it; absent without one. */
  runLimitUsd?: number;
  runLeftUsd?: number;
  roles: Array<{ role: string; limitUsd: number; spentUsd: number; leftUsd: number }>;
}

export interface QueueView {
  /** Tasks not yet ended, by queue state (waiting, delayed, active). */
  counts: Record<string, number>;
  /** The tasks not yet ended (waiting, delayed, active), oldest first, at most 100. */
  open: Array<{ task: string; role: string; state: string; attempts: number; text: string; createdAt: string }>;
}

/** Everything the dashboard page shows, in one answer. */
export interface DashboardView {
  run: string;
  now: string;
  totals: RunReport['totals'];
  budget: BudgetView;
  agents: AgentView[];
  queue: QueueView;
  gate: GateStep[];
  roles: RunReport['roles'];
  timeline: RunReport['timeline'];
  /** The latest bisection, running or ended; absent before the first. */
  oracle?: OracleReport;
}

const LAST_LINE_BYTES = 4096;
const LAST_LINE_CHARS = 200;
const QUEUE_SHOWN = 100;
const GATE_SHOWN = 50;
/** How long one listing of the queue serves: a page and a scrape at once read Redis once. */
const QUEUE_FRESH_MS = 1000;
const OPEN_STATES: readonly TaskState[] = ['waiting', 'delayed', 'active'];

// ANSI escape sequences and other control characters a terminal program prints.
const CONTROL = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * The run as a person watching it sees it: the journal (as the report reads
 * it) joined with the queue (which tasks a worker holds right now) and the
 * session logs (what each agent last printed). Read-only: nothing here
 * changes the run.
 */
export class RunView {
  readonly journal: LiveJournal;
  readonly #config: GantryConfig;
  readonly #queue: TaskQueue;
  #listing: { at: number; records: Promise<TaskRecord[]> } | undefined;

  constructor(config: GantryConfig, journal: LiveJournal, queue: TaskQueue) {
    this.#config = config;
    this.journal = journal;
    this.#queue = queue;
  }

  get run(): string {
    return this.journal.run;
  }

  report(): RunReport {
    return this.journal.report();
  }

  /** The tasks not yet ended: waiting, delayed or held by a worker. */
  async openTasks(): Promise<TaskRecord[]> {
    const now = Date.now();
    if (!this.#listing || now - this.#listing.at > QUEUE_FRESH_MS) {
      const records = this.#queue.list(OPEN_STATES);
      this.#listing = { at: now, records };
      // A failed listing is not kept: the next call asks Redis again.
      records.catch(() => {
        if (this.#listing?.records === records) this.#listing = undefined;
      });
    }
    return this.#listing.records;
  }

  /**
   * Attempts the journal shows at work whose task a worker holds now: a
   * killed controller's attempts drop out once its lease lapses.
   */
  async working(): Promise<AgentAtWork[]> {
    const active = new Set((await this.openTasks()).filter((record) => record.state === 'active').map((record) => record.task.id));
    return agentsAtWork(this.journal.events).filter((agent) => active.has(agent.task));
  }

  /** The agents at work with the last line each printed (one log read per agent). */
  async agents(): Promise<AgentView[]> {
    return Promise.all((await this.working()).map(async (agent) => ({ ...agent, lastLine: lastLine(await this.logTail(agent.task, LAST_LINE_BYTES)) })));
  }

  /**
   * The end of the task's latest session log (at most `bytes`), control
   * characters removed; empty when the task has no session yet.
   */
  async logTail(task: string, bytes: number): Promise<string> {
    const latest = this.#latestSession(task);
    if (!latest) return '';
    const file = join(this.#config.stateDir, 'runs', this.run, 'tasks', task, `attempt-${latest.attempt}`, `session-${latest.session}.log`);
    return (await readEnd(file, bytes)).replace(CONTROL, '');
  }

  budget(): BudgetView {
    const report = this.report();
    const { run, perRole } = this.#config.budget;
    const spent = report.totals.costUsd;
    const roleSpent = new Map(report.roles.map((role) => [role.role, role.costUsd]));
    return {
      spentUsd: spent,
      ...(run === undefined ? {} : { runLimitUsd: run, runLeftUsd: Math.max(0, roundUsd(run - spent)) }),
      roles: Object.entries(perRole).map(([role, limitUsd]) => {
        const spentUsd = roleSpent.get(role) ?? 0;
        return { role, limitUsd, spentUsd, leftUsd: Math.max(0, roundUsd(limitUsd - spentUsd)) };
      }),
    };
  }

  async queue(): Promise<QueueView> {
    const records = await this.openTasks();
    const counts = countBy(records, (record) => record.state);
    const open = records
      .slice(0, QUEUE_SHOWN)
      .map((record) => ({ task: record.task.id, role: record.task.role, state: record.state, attempts: record.attempts, text: record.task.text, createdAt: record.task.createdAt }));
    return { counts, open };
  }

  gate(limit = GATE_SHOWN): GateStep[] {
    return gateTimeline(this.journal.events, limit);
  }

  oracle(): OracleReport[] {
    return oracleReports(this.journal.events);
  }

  async dashboard(): Promise<DashboardView> {
    const report = this.report();
    const [agents, queue] = await Promise.all([this.agents(), this.queue()]);
    const oracle = this.oracle().at(-1);
    return {
      run: this.run, now: new Date().toISOString(), totals: report.totals, budget: this.budget(), agents, queue,
      gate: this.gate(), roles: report.roles, timeline: report.timeline, ...(oracle ? { oracle } : {}),
    };
  }

  #latestSession(task: string): { attempt: number; session: number } | undefined {
    for (let i = this.journal.events.length - 1; i >= 0; i -= 1) {
      const event = this.journal.events[i];
      if (event?.type === 'session.started' && event.task === task) return { attempt: event.attempt, session: event.session };
    }
    return undefined;
  }
}

function lastLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? '';
  return line.length > LAST_LINE_CHARS ? `${line.slice(0, LAST_LINE_CHARS - 1)}…` : line;
}

/** The last `bytes` of a file, or '' when it does not exist (yet). */
async function readEnd(file: string, bytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    // A cut through a multi-byte character at the start shows as one replacement character: harmless in a tail.
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
