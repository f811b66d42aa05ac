import type { JournalEvent } from './events.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The cut-off of `--since`: an ISO time (`2026-01-01T08:00:00Z`, `2026-01-01`)
 * or a duration before `now` (`90s`, `30m`, `2h`, `1d`, `1h30m`). Undefined
 * when the text is neither, so the caller can say what it expected.
 */
export function parseSince(text: string, now: Date): Date | undefined {
  const trimmed = text.trim();
  if (/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
    return new Date(now.getTime() - ms);
  }
  // Date.parse reads "7" as a year; only take what looks like a calendar date.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The events at or after `since`. */
export function eventsSince(events: readonly JournalEvent[], since: Date): JournalEvent[] {
  const cutoff = since.getTime();
  return events.filter((event) => Date.parse(event.ts) >= cutoff);
}
