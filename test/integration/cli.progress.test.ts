import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWatchers } from '../../harness/cli/run-watchers.ts';
import { loadConfig } from '../../harness/config/index.ts';
import { silentLogger } from '../../harness/log.ts';
import type { TaskQueue } from '../../harness/queue/index.ts';
import { journalPath, type JournalEvent, type JournalEventBody } from '../../harness/reports/index.ts';

const RUN = 'r-progress';
const event = (body: JournalEventBody): string => `${JSON.stringify({ ts: new Date().toISOString(), run: RUN, ...body } as JournalEvent)}\n`;
/** Without a server, the watchers never touch the queue or Redis. */
const unused = undefined as never;

describe('gantry run on a terminal: the progress line', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-progress-'));
    await writeFile(join(dir, 'gantry.yaml'), JSON.stringify({ repo: { url: './upstream.git' }, agent: { kind: 'command', command: 'true' }, gate: { command: 'true' }, server: { enabled: false } }));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function watch(isTTY: boolean) {
    const config = await loadConfig(join(dir, 'gantry.yaml'));
    const journal = journalPath(config.stateDir, RUN);
    await mkdir(dirname(journal), { recursive: true });
    await writeFile(journal, event({ type: 'task.queued', task: 't1', role: 'core', text: 'one' }) + event({ type: 'task.queued', task: 't2', role: 'core', text: 'two' }));
    const written: string[] = [];
    const terminal = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const watchers = await startWatchers({ config, redis: unused, queue: unused as TaskQueue, run: RUN, logger: silentLogger, terminal });
    return { journal, written, watchers };
  }

  it('prints where the tasks are and what they cost when stderr is a terminal, again only when that changes', async () => {
    const { journal, written, watchers } = await watch(true);
    try {
      await vi.waitFor(() => expect(written).toEqual(['gantry: 0 merged, 0 running, 2 queued, 0 failed · $0.00 spent\n']), { timeout: 5_000, interval: 100 });
      await appendFile(journal, event({ type: 'attempt.started', task: 't1', role: 'core', attempt: 1, fence: 1 })
        + event({ type: 'session.ended', task: 't1', attempt: 1, session: 1, exitCode: 0, end: 'done', durationMs: 1, costUsd: 0.5 })
        + event({ type: 'task.merged', task: 't1', attempt: 1, commit: 'c1' }));
      await vi.waitFor(() => expect(written.at(-1)).toBe('gantry: 1 merged, 0 running, 1 queued, 0 failed · $0.50 spent\n'), { timeout: 5_000, interval: 100 });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(written).toHaveLength(2);
    } finally {
      await watchers.close();
    }
  });

  it('prints nothing when stderr is not a terminal (logs are for files there)', async () => {
    const { written, watchers } = await watch(false);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await watchers.close();
    expect(written).toEqual([]);
  });
});
