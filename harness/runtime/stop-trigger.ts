import { MAX_TIMER_MS } from './time-limit.ts';

export type StopReason = 'timeout' | 'abort';

export interface StopTrigger {
  /** Resolves when the run must be stopped, with the reason; never rejects. */
  reason: Promise<StopReason>;
  /** Clears the timer and the abort listener once the run has ended. */
  dispose(): void;
}

/** The two ways a running container is stopped from outside: its time limit, or the caller's abort signal. */
export function stopTrigger(timeoutMs: number, signal?: AbortSignal): StopTrigger {
  let dispose = (): void => {};
  const reason = new Promise<StopReason>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
    const onAbort = (): void => resolve('abort');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) resolve('abort');
    dispose = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return { reason, dispose };
}
