import { messageOf } from '../errors.ts';

/** How long the same error stays quiet after it was logged. */
const QUIET_MS = 60_000;

/**
 * Wraps an error listener so that an error seen again within a minute is not
 * passed on: while Redis is down, BullMQ reports every failed reconnect of
 * every connection, several times a second, and the first line says it all.
 */
export function quietRepeats(log: (error: unknown) => void, now: () => number = Date.now): (error: unknown) => void {
  const lastSeen = new Map<string, number>();
  return (error) => {
    const text = messageOf(error);
    const seen = lastSeen.get(text);
    if (seen !== undefined && now() - seen < QUIET_MS) return;
    lastSeen.set(text, now());
    log(error);
  };
}
