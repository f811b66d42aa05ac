import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { GantryError } from '../../errors.ts';
import { buildReport, journalPath, parseSince, readJournal, renderHtml, renderMarkdown, runsOnDisk, type RunReport } from '../../reports/index.ts';

/** The most recently written run, so `gantry report` needs neither Redis nor an id. */
export async function latestRun(stateDir: string): Promise<string> {
  const [latest] = await runsOnDisk(stateDir);
  if (!latest) throw new GantryError('RUN_NOT_FOUND', `no run found under ${join(stateDir, 'runs')}: queue a task (gantry task add) or start one (gantry run)`);
  return latest.run;
}

function sinceOption(text: string): Date {
  const since = parseSince(text, new Date());
  if (!since) throw new InvalidArgumentError(`expected an ISO time (2026-01-01T08:00:00Z) or a duration before now (30m, 2h, 1d), got "${text}"`);
  return since;
}

const RENDERERS: Record<string, (report: RunReport) => string> = {
  md: renderMarkdown,
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  html: renderHtml,
};

export function registerReport(program: Command, configFile: () => string): void {
  program
    .command('report')
    .description('The merge and cost report of a run: merges, rejections, spend and waste by role, throughput')
    .addOption(new Option('--format <format>', 'output format').choices(Object.keys(RENDERERS)).default('md'))
    .option('--run <id>', 'the run (default: the latest)')
    .option('--since <time>', 'only events at or after an ISO time or a duration ago (30m, 2h)', sinceOption)
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(async (options: { format: string; run?: string; since?: Date; out?: string }) => {
      const config = await loadConfig(configFile());
      const run = options.run ?? (await latestRun(config.stateDir));
      const file = journalPath(config.stateDir, run);
      const events = await readJournal(file).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new GantryError('RUN_NOT_FOUND', `no journal for run ${run} at ${file}: list the runs with ls ${join(config.stateDir, 'runs')}`, { cause: error });
      });
      const report = buildReport(run, events, options.since ? { since: options.since } : {});
      const text = (RENDERERS[options.format] ?? renderMarkdown)(report);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await mkdir(dirname(options.out), { recursive: true });
      await writeFile(options.out, text);
      process.stderr.write(`report written to ${options.out}\n`);
    });
}
