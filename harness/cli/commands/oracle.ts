import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { ControllerRegistry, currentRun, newControllerId } from '../../controller/index.ts';
import { GantryError, messageOf } from '../../errors.ts';
import { withDeadline } from '../../queue/deadline.ts';
import { checkOracle, oracleReports, renderOracleReport, requireOracle, runOracle, type OracleDeps } from '../../oracle/index.ts';
import { FileJournal, journalPath, readJournal } from '../../reports/index.ts';
import { controllerRepo, dockerRuntime, openContext, type CliContext } from '../context.ts';
import { latestRun } from './report.ts';

/** The oracle's adapters, built once; SIGINT or SIGTERM stops the probes (their verdicts stay cached). */
async function withOracle<T>(configFile: string, use: (deps: OracleDeps, context: CliContext) => Promise<T>): Promise<T> {
  const context = await openContext(configFile);
  const { config, logger, redis } = context;
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('oracle stopped by a signal; run it again to resume from the probe cache'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Registered like a controller, so that a running controller's reaper leaves its probes alone.
  const registry = new ControllerRegistry(redis, config.queue.prefix, { logger });
  try {
    requireOracle(config);
    const id = newControllerId();
    const runtime = dockerRuntime(logger, id);
    await runtime.ping();
    await registry.join(id);
    const run = await currentRun(redis, config.queue.prefix);
    const journal = new FileJournal(journalPath(config.stateDir, run), run);
    return await use({ config, runtime, repo: controllerRepo(config, logger), redis, queue: context.queue, journal, logger, signal: stop.signal }, context);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Redis may be down: the entry then expires on its own.
    await withDeadline(registry.leave(), 5_000).catch((error: unknown) => logger.warn({ err: messageOf(error) }, 'could not leave the controller registry; the entry expires'));
    await context.close();
  }
}

export function registerOracle(program: Command, configFile: () => string): void {
  const oracle = program.command('oracle').description('Oracle bisection: find the units that make a monolithic check fail, and make a task of each');

  oracle
    .command('check')
    .description('Check the oracle config on main: the all-oracle mix must pass, the all-candidate mix must fail')
    .action(async () => {
      const outcome = await withOracle(configFile(), (deps) => checkOracle(deps));
      process.stdout.write(`oracle check passed on main ${outcome.commit.slice(0, 12)}: ${outcome.units.length} units; the all-oracle mix passes and the all-candidate mix fails (${outcome.checkBuilds} builds)\n`);
    });

  oracle
    .command('run')
    .description('Check, then bisect main and queue one task per culprit (a killed run resumes from the probe cache)')
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { json?: boolean }) => {
      const outcome = await withOracle(configFile(), (deps) => runOracle(deps, { trigger: 'manual' }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
        return;
      }
      process.stdout.write(`oracle on main ${outcome.commit.slice(0, 12)}: ${outcome.culprits.length} culprit(s) in ${outcome.units.length} units; ${outcome.builds} builds, ${outcome.probes} probes, ${outcome.rounds} rounds, ${(outcome.durationMs / 1000).toFixed(1)} s\n`);
      for (const task of outcome.tasks) {
        process.stdout.write(`${task.units.join(' + ')}  ${task.created ? 'queued' : 'already queued'} ${task.task}\n`);
      }
    });

  oracle
    .command('report')
    .description('Probes, builds, rounds, time, culprits and tasks of the oracle bisections of a run')
    .option('--run <id>', 'the run (default: the latest)')
    .option('--json', 'print JSON')
    .action(async (options: { run?: string; json?: boolean }) => {
      const config = await loadConfig(configFile());
      const run = options.run ?? (await latestRun(config.stateDir));
      const file = journalPath(config.stateDir, run);
      const events = await readJournal(file).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new GantryError('RUN_NOT_FOUND', `no journal for run ${run} at ${file}: start a bisection with gantry oracle run`, { cause: error });
      });
      const reports = oracleReports(events);
      process.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : renderOracleReport(reports));
    });
}
