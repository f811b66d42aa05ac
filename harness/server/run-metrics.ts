import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JournalEvent } from '../reports/events.ts';

/** What /metrics reads at each scrape, beyond the journal's counts. */
export interface MetricsGauges {
  /** Tasks of the run by status (queued, running, merged, failed, withdrawn). */
  tasks: Record<string, number>;
  /** Agent sessions running now, by role. */
  sessions: Record<string, number>;
  /** Jobs in each BullMQ queue by state. */
  queues: Array<{ queue: string; counts: Record<string, number> }>;
  /** Dollars left of each budget: `run` (absent without one), and each role's under its name. */
  budgetLeftUsd: { run?: number; roles: Record<string, number> };
}

const GATE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];

/**
 * The run in Prometheus terms, in a registry of its own (nothing global, so
 * two servers in one process never share counts). Every counter is a count
 * or sum of journal events, fed in journal order, so it says exactly what
 * the journal says: `gantry report` and a dashboard built on /metrics agree.
 * Gauges are read at scrape time.
 */
export class RunMetrics {
  readonly registry = new Registry();
  /** Each task's role, for labelling events that carry only the task. */
  readonly #roles = new Map<string, string>();
  /** The commits tested: a batch's branches each get a gate.result of the same suite run. */
  readonly #tested = new Set<string>();
  readonly #events = this.#counter('gantry_journal_events_total', 'Journal events, by type.', ['type']);
  readonly #queued = this.#counter('gantry_tasks_queued_total', 'Tasks queued, by role.', ['role']);
  readonly #attempts = this.#counter('gantry_attempts_started_total', 'Attempts started, by role.', ['role']);
  readonly #failed = this.#counter('gantry_attempts_failed_total', 'Attempts that failed, by error code and whether the task gave up.', ['code', 'final']);
  readonly #sessions = this.#counter('gantry_sessions_total', 'Agent sessions ended, by how they ended (done, continue, failed, timeout, hung, rate-limited…).', ['end']);
  readonly #merges = this.#counter('gantry_merges_total', 'Branches merged into main, by role.', ['role']);
  readonly #gateRuns = this.#counter('gantry_gate_runs_total', 'Full-suite runs of the merge gate (a batch\'s run counts once), by result.', ['result']);
  readonly #gateSeconds = new Histogram({ name: 'gantry_gate_run_duration_seconds', help: 'Duration of the merge gate\'s suite runs.', buckets: GATE_BUCKETS, registers: [this.registry] });
  readonly #cost = this.#counter('gantry_cost_usd_total', 'Spend of agent sessions in US dollars, by role and provider.', ['role', 'provider']);
  readonly #tokens = this.#counter('gantry_tokens_total', 'Model tokens of agent sessions, by direction.', ['direction']);
  readonly #backoffs = this.#counter('gantry_rate_limit_backoffs_total', 'Times a provider answered "rate limited" and its sessions waited, by provider.', ['provider']);
  readonly #contained = this.#counter('gantry_contained_total', 'What gantry stopped or refused to keep agents in their box, by kind.', ['kind']);
  readonly #probes = this.#counter('gantry_oracle_probes_total', 'Oracle bisection probes answered, by whether the cache answered.', ['cached']);

  constructor(gauges: () => Promise<MetricsGauges>) {
    const registry = this.registry;
    // One read of the gauges per scrape, shared by the four that show it. When it fails (Redis away),
    // the gauges are left out and the journal's counters still served: they need no Redis.
    let reading: Promise<MetricsGauges | undefined> | undefined;
    const current = () => (reading ??= gauges().catch(() => undefined).finally(() => setTimeout(() => { reading = undefined; }, 0)));
    new Gauge({
      name: 'gantry_tasks', help: 'Tasks of the run, by status.', labelNames: ['status'], registers: [registry],
      async collect() {
        this.reset();
        for (const [status, count] of Object.entries((await current())?.tasks ?? {})) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'gantry_sessions_running', help: 'Agent sessions running now, by role.', labelNames: ['role'], registers: [registry],
      async collect() {
        this.reset();
        for (const [role, count] of Object.entries((await current())?.sessions ?? {})) this.set({ role }, count);
      },
    });
    new Gauge({
      name: 'gantry_queue_jobs', help: 'Jobs in each BullMQ queue, by state.', labelNames: ['queue', 'state'], registers: [registry],
      async collect() {
        this.reset();
        for (const { queue, counts } of (await current())?.queues ?? []) for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
      },
    });
    new Gauge({
      name: 'gantry_budget_left_usd', help: 'US dollars left of each budget: scope "run" (budget.run), or "role" with the role (budget.perRole); absent without one.', labelNames: ['scope', 'role'], registers: [registry],
      async collect() {
        this.reset();
        const left = (await current())?.budgetLeftUsd;
        if (left?.run !== undefined) this.set({ scope: 'run' }, left.run);
        for (const [role, usd] of Object.entries(left?.roles ?? {})) this.set({ scope: 'role', role }, usd);
      },
    });
  }

  /** Counts events in journal order; each must be given exactly once. */
  observe(events: readonly JournalEvent[]): void {
    for (const event of events) this.#observe(event);
  }

  #observe(event: JournalEvent): void {
    this.#events.inc({ type: event.type });
    switch (event.type) {
      case 'task.queued':
        this.#roles.set(event.task, event.role);
        this.#queued.inc({ role: event.role });
        break;
      case 'attempt.started':
        this.#roles.set(event.task, event.role);
        this.#attempts.inc({ role: event.role });
        break;
      case 'attempt.failed':
        this.#failed.inc({ code: event.code ?? 'unknown', final: String(event.final) });
        break;
      case 'session.ended':
        this.#sessions.inc({ end: event.end });
        this.#cost.inc({ role: this.#role(event.task), provider: event.provider ?? 'unknown' }, event.costUsd ?? 0);
        this.#tokens.inc({ direction: 'input' }, event.inputTokens ?? 0);
        this.#tokens.inc({ direction: 'output' }, event.outputTokens ?? 0);
        break;
      case 'task.merged':
        this.#merges.inc({ role: this.#role(event.task) });
        break;
      case 'gate.result':
        if (this.#tested.has(event.commit)) break;
        this.#tested.add(event.commit);
        this.#gateRuns.inc({ result: event.passed ? 'passed' : 'failed' });
        this.#gateSeconds.observe(event.durationMs / 1000);
        break;
      case 'provider.backoff':
        this.#backoffs.inc({ provider: event.provider });
        break;
      case 'contained':
        this.#contained.inc({ kind: event.kind });
        break;
      case 'oracle.probe':
        this.#probes.inc({ cached: String(event.cached) });
        break;
    }
  }

  #role(task: string): string {
    return this.#roles.get(task) ?? 'unknown';
  }

  #counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
