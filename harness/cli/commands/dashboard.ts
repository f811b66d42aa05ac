import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { GantryError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { dashboardFile, readDashboardAddress } from '../../server/index.ts';

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
}
