import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GantryConfig } from '../config/types.ts';
import { MEMORY_KINDS, matches } from '../memory/memory-entry.ts';
import type { MemoryStore } from '../memory/memory-store.ts';
import { buildReport, journalPath, readJournal, runsOnDisk } from '../reports/index.ts';
import { roundUsd } from '../reports/numbers.ts';
import { reportCharts } from '../reports/report-charts.ts';
import { streamJournal } from './event-stream.ts';
import type { RunView } from './run-view.ts';

export interface RunApiDeps {
  config: GantryConfig;
  view: RunView;
  memory: MemoryStore;
}

const LOG_BYTES = 64 * 1024;
const MEMORY_SHOWN = 200;

const logQuery = z.object({ bytes: z.coerce.number().int().min(1).max(LOG_BYTES).default(16 * 1024) });
const memoryQuery = z.object({
  kind: z.enum(MEMORY_KINDS).optional(),
  task: z.string().min(1).optional(),
  q: z.string().min(1).optional(),
});
const gateQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

/** A query that does not parse is the caller's mistake: 400 naming the parameter and what it takes. */
function parse<T>(schema: z.ZodType<T>, query: unknown): { value: T } | { error: string } {
  const result = schema.safeParse(query);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0];
  return { error: `query parameter ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}` };
}

/**
 * The read-only JSON API under /api/v1 (docs/api.md): the run's report cut
 * into the parts a tool asks for, what is live (agents, queue, log tails),
 * the shared memory, and the journal as server-sent events. Shapes are those
 * of `gantry report --format json` wherever the two overlap.
 */
export function registerRunApi(app: FastifyInstance, deps: RunApiDeps): void {
  const { view } = deps;
  app.get('/api/v1/run', async () => {
    const report = view.report();
    return { run: view.run, from: report.from, to: report.to, totals: report.totals, budget: view.budget(), concurrency: deps.config.concurrency };
  });
  app.get('/api/v1/runs', async () => (await runsOnDisk(deps.config.stateDir)).map((run) => ({ ...run, current: run.run === view.run })));
  app.get<{ Params: { run: string } }>('/api/v1/runs/:run/report', async (request, reply) => {
    const { run } = request.params;
    if (run === view.run) return view.report();
    // Only a run listed under runs/: the name never becomes a path of its own.
    const known = (await runsOnDisk(deps.config.stateDir)).find((r) => r.run === run);
    if (!known) return reply.code(404).send({ error: `no run ${run} under ${deps.config.stateDir}/runs: GET /api/v1/runs lists them` });
    return buildReport(known.run, await readJournal(journalPath(deps.config.stateDir, known.run)));
  });
  app.get('/api/v1/dashboard', async () => view.dashboard());
  app.get('/api/v1/tasks', async () => view.report().tasks);
  app.get<{ Params: { task: string } }>('/api/v1/tasks/:task', async (request, reply) => {
    const report = view.report();
    const task = report.tasks.find((t) => t.id === request.params.task);
    if (!task) return reply.code(404).send({ error: `no task ${request.params.task} in run ${view.run}: GET /api/v1/tasks lists them` });
    return { ...task, sessions: report.sessions.filter((s) => s.task === task.id), rejections: report.rejections.filter((r) => r.task === task.id) };
  });
  app.get('/api/v1/queue', async () => view.queue());
  app.get('/api/v1/sessions', async () => view.report().sessions);
  app.get('/api/v1/merges', async () => view.report().merges);
  app.get('/api/v1/gate', async (request, reply) => {
    const query = parse(gateQuery, request.query);
    return 'error' in query ? reply.code(400).send(query) : view.gate(query.value.limit);
  });
  app.get('/api/v1/costs', async () => {
    const { totals, roles, timeline, sessions } = view.report();
    return {
      costUsd: totals.costUsd, wasteUsd: totals.wasteUsd, openUsd: totals.openUsd, costPerMergeUsd: totals.costPerMergeUsd,
      budget: view.budget(), roles: roles.map((r) => ({ role: r.role, costUsd: r.costUsd, wasteUsd: r.wasteUsd, costPerMergeUsd: r.costPerMergeUsd })),
      timeline, byProvider: byProvider(sessions),
    };
  });
  app.get('/api/v1/charts', async () => reportCharts(view.report()));
  app.get('/api/v1/roles', async () => {
    const reported = new Map(view.report().roles.map((r) => [r.role, r]));
    return Object.values(deps.config.roles.roles).map((role) => ({
      role: role.name, count: role.count, priority: role.priority, builtIn: role.builtIn, ...reported.get(role.name),
    }));
  });
  app.get('/api/v1/agents', async () => view.agents());
  app.get<{ Params: { task: string } }>('/api/v1/agents/:task/log', async (request, reply) => {
    const query = parse(logQuery, request.query);
    if ('error' in query) return reply.code(400).send(query);
    return reply.type('text/plain; charset=utf-8').send(await view.logTail(request.params.task, query.value.bytes));
  });
  app.get('/api/v1/oracle', async () => view.oracle());
  app.get('/api/v1/memory', async (request, reply) => {
    const query = parse(memoryQuery, request.query);
    if ('error' in query) return reply.code(400).send(query);
    const { kind, task, q } = query.value;
    const entries = await deps.memory.list({ ...(kind ? { kind } : {}), ...(task ? { task } : {}) });
    return (q ? entries.filter((entry) => matches(entry, q)) : entries).slice(-MEMORY_SHOWN);
  });
  app.get('/api/v1/events', (request, reply) => streamJournal(view.journal, request, reply));
}

function byProvider(sessions: ReturnType<RunView['report']>['sessions']): Array<{ provider: string; costUsd: number; sessions: number }> {
  const totals = new Map<string, { costUsd: number; sessions: number }>();
  for (const session of sessions) {
    const provider = session.provider ?? 'unknown';
    const total = totals.get(provider) ?? { costUsd: 0, sessions: 0 };
    total.costUsd += session.costUsd;
    total.sessions += 1;
    totals.set(provider, total);
  }
  return [...totals].map(([provider, total]) => ({ provider, costUsd: Math.round(total.costUsd * 1e6) / 1e6, sessions: total.sessions }));
}
