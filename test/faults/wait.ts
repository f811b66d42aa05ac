import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it holds (true) or `timeoutMs` has passed (false). */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}
