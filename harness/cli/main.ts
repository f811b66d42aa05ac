#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isGantryError, messageOf } from '../errors.ts';
import { registerConfig } from './commands/config.ts';
import { registerDashboard } from './commands/dashboard.ts';
import { registerMemory } from './commands/memory.ts';
import { registerOracle } from './commands/oracle.ts';
import { registerReport } from './commands/report.ts';
import { registerReview } from './commands/review.ts';
import { registerRoles } from './commands/roles.ts';
import { registerRun } from './commands/run.ts';
import { registerTask } from './commands/task.ts';
import { registerUpstream } from './commands/upstream.ts';
import { registerWorker } from './commands/worker.ts';
import { exitCodeFor } from './exit-codes.ts';

const program = new Command('gantry')
  .description('Run many coding agents in parallel on one repository; merge only what keeps the tests passing.')
  .option('-c, --config <file>', 'path of gantry.yaml', 'gantry.yaml')
  .showHelpAfterError()
  .exitOverride();

const configFile = (): string => program.opts<{ config: string }>().config;
registerConfig(program, configFile);
registerTask(program, configFile);
registerRun(program, configFile);
registerReport(program, configFile);
registerReview(program, configFile);
registerOracle(program, configFile);
registerRoles(program, configFile);
registerMemory(program, configFile);
registerDashboard(program, configFile);
registerWorker(program);
registerUpstream(program, configFile);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const code = isGantryError(error) && error.code !== 'CONFIG_INVALID' ? `${error.code}: ` : '';
  process.stderr.write(`gantry: ${code}${messageOf(error)}\n`);
  process.exit(exitCodeFor(error));
}
