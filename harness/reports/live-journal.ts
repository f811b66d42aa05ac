import { open } from 'node:fs/promises';
import type { JournalEvent } from './events.ts';
import { buildReport } from './report.ts';
import type { RunReport } from './report-types.ts';

export type JournalListener = (events: readonly JournalEvent[]) => void;

/** How often the file is looked at: a merge shows on a dashboard well within a second or two of its line. */
const POLL_MS = 500;

/**
 * A run's journal as it grows, for watchers (the dashboard, /metrics, the
 * terminal progress line): it reads only the bytes added since it last
 * looked, keeps every event, and tells listeners about new ones. It reads the
 * file rather than hearing the controller's appends, so it sees what every
 * controller sharing the state directory writes, exactly as the report does.
 */
export class LiveJournal {
  readonly run: string;
  readonly #file: string;
  readonly #events: JournalEvent[] = [];
  readonly #listeners = new Set<JournalListener>();
  /** Bytes read up to the last newline; a line still being written is read again next time, whole. */
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #report: { at: number; report: RunReport } | undefined;

  constructor(file: string, run: string) {
    this.#file = file;
    this.run = run;
  }

  get events(): readonly JournalEvent[] {
    return this.#events;
  }

  /** Reads what is there, then keeps looking every POLL_MS until close(). */
  async start(): Promise<void> {
    await this.refresh();
    // A read that fails (the file briefly unreadable) is tried again at the next look; watchers must not stop a run.
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), POLL_MS);
    this.#timer.unref();
  }

  onEvents(listener: JournalListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the lines added since the last call (one read at a time). */
  refresh(): Promise<void> {
    this.#reading ??= this.#readNew().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** The run's report, folded again only when events came since the last one. */
  report(): RunReport {
    if (this.#report?.at !== this.#events.length) this.#report = { at: this.#events.length, report: buildReport(this.run, this.#events) };
    return this.#report.report;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  async #readNew(): Promise<void> {
    let handle;
    try {
      handle = await open(this.#file, 'r');
    } catch (error) {
      // No journal yet: the run has not written its first event.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const added: JournalEvent[] = [];
    try {
      const { size } = await handle.stat();
      if (size <= this.#offset) return;
      const chunk = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.#offset);
      const end = chunk.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      this.#offset += end;
      for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          added.push(JSON.parse(line) as JournalEvent);
        } catch {
          // A line torn by a crash, with the next event glued on: readJournal skips it too.
        }
      }
    } finally {
      await handle.close();
    }
    if (added.length === 0) return;
    this.#events.push(...added);
    for (const listener of this.#listeners) listener(added);
  }
}
