import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { currentRun } from '../../controller/index.ts';
import { GantryError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { journalPath } from '../../reports/index.ts';
import { LiveJournal } from '../../reports/live-journal.ts';
import { dashboardFile, readDashboardAddress, startDashboard } from '../../server/index.ts';
import { openContext } from '../context.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function registerDashboard(program: Command, configFile: () => string): void {
  program
    .command('dashboard')
    .description('Print the address of the dashboard `gantry run` serves, with its token when it needs one')
    .action(async () => {
      const config = await loadConfig(configFile(), { logger: createLogger() });
      const address = await readDashboardAddress(config.stateDir);
      if (!address || !alive(address.pid)) {
        const why = address ? `the process that served it (pid ${address.pid}) is gone` : `${dashboardFile(config.stateDir)} does not exist`;
        throw new GantryError('RUN_NOT_FOUND', `no dashboard is served for ${config.stateDir}: ${why}; start \`gantry run\` (with server.enabled, the default)`);
      }
      const url = new URL(address.url);
      if (address.token !== undefined) url.searchParams.set('token', address.token);
      process.stdout.write(`${url.href}\n`);
    });

  program
    .command('serve')
    .description('Serve the dashboard, API and /metrics of the current run without running tasks (a run between controllers, or one that ended); until SIGTERM or Ctrl-C')
    .action(async () => {
      const context = await openContext(configFile());
      const { config, logger } = context;
      const run = await currentRun(context.redis, config.queue.prefix);
      const journal = new LiveJournal(journalPath(config.stateDir, run), run);
      try {
        await journal.start();
        const server = await startDashboard({ config, redis: context.redis, queue: context.queue, journal, logger });
        if (!server) throw new GantryError('CONFIG_INVALID', `cannot listen on ${config.server.host}:${config.server.port} (the log above says why): set server.host and server.port, 0 for any free port`);
        await new Promise((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        await server.close();
      } finally {
        journal.close();
        await context.close();
      }
    });
}
