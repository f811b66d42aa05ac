import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import { MERGE_QUEUE } from '../gate/merge-queue.ts';
import type { Logger } from '../log.ts';
import { MemoryStore } from '../memory/memory-store.ts';
import { RoleQueues } from '../queue/task-queues.ts';
import type { TaskQueue } from '../queue/types.ts';
import type { LiveJournal } from '../reports/live-journal.ts';
import { countBy } from '../reports/numbers.ts';
import { mountDashboardPage } from './dashboard-page.ts';
import { mountQueueBoard } from './queue-board.ts';
import { RunMetrics, type MetricsGauges } from './run-metrics.ts';
import { registerRunApi } from './run-api.ts';
import { RunView } from './run-view.ts';
import { requireToken, serverToken } from './server-access.ts';

export interface DashboardDeps {
  config: GantryConfig;
  /** Commands; the server only reads. */
  redis: Redis;
  queue: TaskQueue;
  /** The run's journal as it grows; the caller starts and closes it (the terminal progress line reads it too). */
  journal: LiveJournal;
  logger: Logger;
}

/** Where a server says where it is: `gantry dashboard` and tests read it. */
export interface DashboardAddress {
  url: string;
  token?: string;
  pid: number;
  run: string;
}

export interface DashboardServer extends DashboardAddress {
  close(): Promise<void>;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export function dashboardFile(stateDir: string): string {
  return join(stateDir, 'dashboard.json');
}

export async function readDashboardAddress(stateDir: string): Promise<DashboardAddress | undefined> {
  try {
    return JSON.parse(await readFile(dashboardFile(stateDir), 'utf8')) as DashboardAddress;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The dashboard, its JSON API, /metrics and the queue board, served while
 * the run goes on (docs/api.md). Off loopback every request needs the token.
 * An address it cannot listen on (a port another process holds) is not a
 * reason to stop a run of days: the run goes on without a server, and the
 * log says why.
 */
export async function startDashboard(deps: DashboardDeps): Promise<DashboardServer | undefined> {
  const { config, logger, journal } = deps;
  const { host, port } = config.server;
  const view = new RunView(config, journal, deps.queue);
  const roleQueues = new RoleQueues(deps.redis, config.queue.prefix);
  const queues: Queue[] = [...new Set([...Object.keys(config.roles.roles), ...(await roleQueues.roles.all())])].sort().map((role) => roleQueues.queue(role));
  const merges = new Queue(MERGE_QUEUE, { connection: deps.redis, prefix: config.queue.prefix });
  merges.on('error', () => {});
  queues.push(merges);
  const metrics = new RunMetrics(() => gauges(view, queues));
  metrics.observe(journal.events);
  const unsubscribe = journal.onEvents((events) => metrics.observe(events));

  const token = serverToken(host, config.server.token);
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  if (token !== undefined) requireToken(app, token);
  registerRunApi(app, { config, view, memory: new MemoryStore(deps.redis, config.queue.prefix) });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await mountQueueBoard(app, queues);
  mountDashboardPage(app);

  const release = async () => {
    unsubscribe();
    await app.close();
    await roleQueues.close();
    await merges.close();
  };
  try {
    await app.listen({ host, port });
  } catch (error) {
    await release();
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is taken (another controller on this machine?)' : code === 'EADDRNOTAVAIL' ? 'the address is not one of this machine\'s' : (error as Error).message;
    logger.warn({ host, port, code }, `dashboard not served: ${why}; set server.host and server.port (0 takes any free port), or server.enabled: false`);
    return undefined;
  }
  const bound = app.server.address();
  // A wildcard address is not one to open; this machine's name for itself is.
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const address: DashboardAddress = {
    url: `http://${shownHost}:${typeof bound === 'object' && bound ? bound.port : port}/`,
    ...(token === undefined ? {} : { token }),
    pid: process.pid,
    run: journal.run,
  };
  await writeAddress(config.stateDir, address);
  logger.info({ url: address.url, access: token === undefined ? 'loopback, no token' : 'token required: `gantry dashboard` prints the address with it' }, 'dashboard served');
  return {
    ...address,
    async close() {
      await release();
      // Only our own file: another controller sharing the state directory may have written its address since.
      if ((await readDashboardAddress(config.stateDir).catch(() => undefined))?.pid === process.pid) await rm(dashboardFile(config.stateDir), { force: true });
    },
  };
}

/** Whole or not at all, readable by its owner only: it may hold the token. */
async function writeAddress(stateDir: string, address: DashboardAddress): Promise<void> {
  const file = dashboardFile(stateDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(address, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

async function gauges(view: RunView, queues: readonly Queue[]): Promise<MetricsGauges> {
  // The agents without their last lines: a scrape needs their statuses, not a read of every session log.
  const [working, counts] = await Promise.all([view.working(), Promise.all(queues.map((queue) => queue.getJobCounts(...JOB_STATES)))]);
  const budget = view.budget();
  return {
    tasks: countBy(view.report().tasks, (task) => task.status),
    sessions: countBy(working.filter((agent) => agent.status === 'session'), (agent) => agent.role),
    queues: queues.map((queue, i) => ({ queue: queue.name, counts: counts[i] ?? {} })),
    budgetLeftUsd: { ...(budget.runLeftUsd === undefined ? {} : { run: budget.runLeftUsd }), roles: Object.fromEntries(budget.roles.map((role) => [role.role, role.leftUsd])) },
  };
}
