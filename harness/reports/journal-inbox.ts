import { open } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { JournalEvent, JournalEventBody } from './events.ts';
import { appendLines, journalPath, type Journal } from './journal.ts';

/**
 * Workers on other hosts cannot append to the controllers' journal file:
 * they add their events to this Redis stream, and every controller copies
 * what arrives into the file (JournalRelay). Reports, the dashboard and
 * /metrics go on reading the file alone.
 */
export function inboxKey(prefix: string): string {
  return `${prefix}:journal:inbox`;
}

const GROUP = 'journal';
/**
 * A safety bound while no controller runs to empty the inbox: past it the
 * oldest events go. A controller deletes what it copied, so a running one
 * keeps the stream near empty.
 */
const MAX_WAITING = 100_000;
/** An event delivered to a controller that died before copying it goes to another after this long. */
const ORPHANED_AFTER_MS = 30_000;
const BATCH = 200;
/** How much of the file's end is read to recognise an event already copied by a controller that died before saying so. */
const TAIL_BYTES = 1 << 20;

/** The journal of a worker: each event goes to the inbox, in the order of the calls. */
export class InboxJournal implements Journal {
  readonly run: string;
  readonly #redis: Redis;
  readonly #key: string;
  readonly #now: () => Date;
  #tail: Promise<void> = Promise.resolve();

  constructor(redis: Redis, prefix: string, run: string, now: () => Date = () => new Date()) {
    this.#redis = redis;
    this.#key = inboxKey(prefix);
    this.run = run;
    this.#now = now;
  }

  append(body: JournalEventBody): Promise<void> {
    const event: JournalEvent = { ts: this.#now().toISOString(), run: this.run, ...body };
    const write = this.#tail.then(async () => {
      await this.#redis.xadd(this.#key, 'MAXLEN', '~', MAX_WAITING, '*', 'event', JSON.stringify(event));
    });
    this.#tail = write.catch(() => {});
    return write;
  }
}

export interface JournalRelayOptions {
  /** Duplicated: the relay blocks on a connection of its own while waiting for events. */
  redis: Redis;
  prefix: string;
  stateDir: string;
  /** This controller's id: the consumer name in the stream's group. */
  consumer: string;
  logger: Logger;
  /** @defaultValue ORPHANED_AFTER_MS */
  orphanedAfterMs?: number;
}

/**
 * Copies the inbox into the journal files, each event into its run's file
 * with the stream id it had (`inbox`), then deletes it from the stream. All
 * controllers share one consumer group, so each event is copied once; one
 * that a dead controller took but never acknowledged is claimed by another,
 * which first looks for its id at the end of the file (the copy may have
 * been written before the death).
 */
export class JournalRelay {
  readonly #options: JournalRelayOptions;
  readonly #redis: Redis;
  readonly #key: string;
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(options: JournalRelayOptions) {
    this.#options = options;
    this.#redis = options.redis.duplicate();
    this.#key = inboxKey(options.prefix);
  }

  async start(): Promise<void> {
    await this.#redis.xgroup('CREATE', this.#key, GROUP, '0', 'MKSTREAM').catch((error: unknown) => {
      if (!/BUSYGROUP/.test(messageOf(error))) throw error;
    });
    this.#running = this.#loop();
  }

  /** Stops after copying what it holds; what is still in the stream waits for the next controller. */
  async close(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    this.#redis.disconnect();
  }

  async #loop(): Promise<void> {
    const { logger } = this.#options;
    while (!this.#stopping) {
      try {
        await this.#copy(await this.#claimOrphans(), true);
        await this.#copy(await this.#read(), false);
      } catch (error) {
        if (this.#stopping) return;
        logger.warn({ err: messageOf(error) }, 'could not copy worker events into the journal; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** New events, waiting up to a second so that close() is heard soon. */
  async #read(): Promise<Array<[string, string[]]>> {
    const { consumer } = this.#options;
    const reply = (await this.#redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', BATCH, 'BLOCK', 1_000, 'STREAMS', this.#key, '>')) as
      | Array<[string, Array<[string, string[]]>]>
      | null;
    return reply?.[0]?.[1] ?? [];
  }

  async #claimOrphans(): Promise<Array<[string, string[]]>> {
    const { consumer } = this.#options;
    const reply = (await this.#redis.xautoclaim(this.#key, GROUP, consumer, this.#options.orphanedAfterMs ?? ORPHANED_AFTER_MS, '0', 'COUNT', BATCH)) as [string, Array<[string, string[]] | null>];
    // Entries trimmed away while pending come back as nil.
    return reply[1].filter((entry): entry is [string, string[]] => entry !== null);
  }

  async #copy(entries: Array<[string, string[]]>, maybeCopied: boolean): Promise<void> {
    if (entries.length === 0) return;
    const { stateDir } = this.#options;
    const byFile = new Map<string, string[]>();
    for (const [id, fields] of entries) {
      const event = parseEvent(fields);
      if (!event) continue;
      const file = journalPath(stateDir, event.run);
      if (maybeCopied && (await copiedAlready(file, id))) continue;
      byFile.set(file, [...(byFile.get(file) ?? []), `${JSON.stringify({ ...event, inbox: id })}\n`]);
    }
    for (const [file, lines] of byFile) await appendLines(file, lines.join(''));
    const ids = entries.map(([id]) => id);
    await this.#redis.multi().xack(this.#key, GROUP, ...ids).xdel(this.#key, ...ids).exec();
  }
}

function parseEvent(fields: readonly string[]): JournalEvent | undefined {
  const json = fields[fields.indexOf('event') + 1];
  try {
    const event = JSON.parse(json ?? '') as JournalEvent;
    return typeof event.run === 'string' && /^[\w.-]+$/.test(event.run) ? event : undefined;
  } catch {
    return undefined;
  }
}

async function copiedAlready(file: string, id: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.toString('utf8').includes(`"inbox":"${id}"`);
  } finally {
    await handle.close();
  }
}
