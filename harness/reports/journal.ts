import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JournalEvent, JournalEventBody } from './events.ts';

/** `<stateDir>/runs/<run-id>/journal.jsonl` */
export function journalPath(stateDir: string, run: string): string {
  return join(stateDir, 'runs', run, 'journal.jsonl');
}

/**
 * The append-only record of a run. Each event is one `appendFile` of one line
 * (O_APPEND), so concurrent writers never interleave inside a line; appends
 * from this process are chained so their order is the order of the calls.
 */
export class Journal {
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
    const line = `${JSON.stringify(event)}\n`;
    const write = this.#tail.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, line);
    });
    this.#tail = write.catch(() => {});
    return write;
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
