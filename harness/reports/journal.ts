import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JournalEvent, JournalEventBody } from './events.ts';

/** `<stateDir>/runs/<run-id>/journal.jsonl` */
export function journalPath(stateDir: string, run: string): string {
  return join(stateDir, 'runs', run, 'journal.jsonl');
}

/**
 * The append-only record of a run, as the code that records events sees it:
 * a controller writes its journal file (FileJournal); a worker on another
 * host writes to the run's inbox in Redis, which the controllers copy into
 * that file (journal-inbox.ts).
 */
export interface Journal {
  readonly run: string;
  append(body: JournalEventBody): Promise<void>;
}

/**
 * A journal file. Each event is one write of one line (O_APPEND), so
 * concurrent writers never interleave inside a line; appends from this
 * process are chained so their order is the order of the calls.
 */
export class FileJournal implements Journal {
  readonly file: string;
  readonly run: string;
  readonly #now: () => Date;
  #tail: Promise<void> = Promise.resolve();

  constructor(file: string, run: string, now: () => Date = () => new Date()) {
    this.file = file;
    this.run = run;
    this.#now = now;
  }

  append(body: JournalEventBody): Promise<void> {
    const event: JournalEvent = { ts: this.#now().toISOString(), run: this.run, ...body };
    const write = this.#tail.then(() => appendLines(this.file, `${JSON.stringify(event)}\n`));
    this.#tail = write.catch(() => {});
    return write;
  }
}

/**
 * One write of whole lines. When a full disk takes only part of it, the part
 * is cut off again, so that the journal never holds a torn line the next
 * event would be glued to (another writer's line cannot follow it meanwhile:
 * there is no room for one), and the write fails with ENOSPC.
 */
export async function appendLines(file: string, lines: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const data = Buffer.from(lines);
  const handle = await open(file, 'a');
  try {
    const { bytesWritten } = await handle.write(data);
    if (bytesWritten === data.length) return;
    const { size } = await handle.stat();
    await handle.truncate(size - bytesWritten);
    throw Object.assign(new Error(`ENOSPC: no space left on device, write ${file} (${bytesWritten} of ${data.length} bytes fit; cut off again)`), { code: 'ENOSPC' });
  } finally {
    await handle.close();
  }
}

/** Every event of a journal file; a torn last line (a crash mid-write) is skipped. */
export async function readJournal(file: string): Promise<JournalEvent[]> {
  const text = await readFile(file, 'utf8');
  const events: JournalEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as JournalEvent);
    } catch {
      // Only the last line can be torn; anything else would be a bug worth seeing in tests.
    }
  }
  return events;
}
