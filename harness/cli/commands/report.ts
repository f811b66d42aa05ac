import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { GantryError } from '../../errors.ts';
import { buildReport, journalPath, readJournal, renderMarkdown } from '../../reports/index.ts';

/** The most recently written run, so `gantry report` needs neither Redis nor an id. */
async function latestRun(stateDir: string): Promise<string> {
  const runsDir = join(stateDir, 'runs');
  const names = await readdir(runsDir).catch(() => [] as string[]);
  let best: { name: string; mtime: number } | undefined;
  for (const name of names) {
    const info = await stat(journalPath(stateDir, name)).catch(() => undefined);
    if (info && (!best || info.mtimeMs > best.mtime)) best = { name, mtime: info.mtimeMs };
  }
  if (!best) throw new GantryError('RUN_NOT_FOUND', `no run found under ${runsDir}: queue a task (gantry task add) or start one (gantry run)`);
  return best.name;
}

export function registerReport(program: Command, configFile: () => string): void {
  program
    .command('report')
    .description('Summarise a run: tasks, sessions, merges and failures')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--run <id>', 'the run (default: the latest)')
    .action(async (options: { format: string; run?: string }) => {
      const config = await loadConfig(configFile());
      const run = options.run ?? (await latestRun(config.stateDir));
      const report = buildReport(run, await readJournal(journalPath(config.stateDir, run)));
      process.stdout.write(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report));
    });
}
