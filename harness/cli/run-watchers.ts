import type { Redis } from 'ioredis';
import type { GantryConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { TaskQueue } from '../queue/types.ts';
import { journalPath } from '../reports/journal.ts';
import { LiveJournal } from '../reports/live-journal.ts';
import { progressLine } from '../reports/progress-line.ts';
import { startDashboard, type DashboardServer } from '../server/index.ts';

/** How often the terminal line is looked at; it is printed only when it says something new. */
const PROGRESS_EVERY_MS = 2000;

export interface RunWatchers {
  dashboard?: DashboardServer;
  close(): Promise<void>;
}

/**
 * What watches a running controller: the dashboard server (unless
 * `server.enabled: false`) and, when stderr is a terminal, a progress line
 * each time the run's counts change. Both read one LiveJournal.
 */
export async function startWatchers(input: { config: GantryConfig; redis: Redis; queue: TaskQueue; run: string; logger: Logger; terminal: NodeJS.WriteStream }): Promise<RunWatchers> {
  const { config, terminal } = input;
  if (!config.server.enabled && !terminal.isTTY) return { close: async () => {} };
  const journal = new LiveJournal(journalPath(config.stateDir, input.run), input.run);
  await journal.start();
  const dashboard = config.server.enabled ? await startDashboard({ ...input, journal }) : undefined;
  let shown = '';
  const progress = terminal.isTTY
    ? setInterval(() => {
      const line = progressLine(journal.report());
      if (line === shown) return;
      shown = line;
      terminal.write(`gantry: ${line}${dashboard ? ` · ${dashboard.url}` : ''}\n`);
    }, PROGRESS_EVERY_MS)
    : undefined;
  progress?.unref();
  return {
    ...(dashboard ? { dashboard } : {}),
    async close() {
      clearInterval(progress);
      await dashboard?.close();
      journal.close();
    },
  };
}
