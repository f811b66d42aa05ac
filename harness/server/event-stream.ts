import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JournalEvent } from '../reports/events.ts';
import type { LiveJournal } from '../reports/live-journal.ts';

/** A comment line this often keeps proxies and browsers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Server-sent events: each journal event as it is written, `event: journal`,
 * its id its 1-based line number in the journal. A client that reconnects
 * (EventSource does by itself, sending Last-Event-ID) or asks `?after=N`
 * gets every event after N first, so it misses none.
 */
export function streamJournal(journal: LiveJournal, request: FastifyRequest, reply: FastifyReply): void {
  const after = Number(request.headers['last-event-id'] ?? (request.query as { after?: string }).after ?? journal.events.length);
  let sent = Number.isInteger(after) && after >= 0 ? Math.min(after, journal.events.length) : journal.events.length;
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const send = (events: readonly JournalEvent[]) => {
    for (const event of events) {
      sent += 1;
      out.write(`id: ${sent}\nevent: journal\ndata: ${JSON.stringify(event)}\n\n`);
    }
  };
  send(journal.events.slice(sent));
  const stop = journal.onEvents(send);
  const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
  request.raw.on('close', () => {
    clearInterval(keepalive);
    stop();
  });
}
