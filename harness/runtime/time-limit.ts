// setTimeout fires at once for delays past 2^31-1 ms; a longer limit is as good as none.
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * dockerode has no global time limit, so a hung dockerd would hang every
 * caller. Each call gets its own: the signal aborts the HTTP request, and the
 * race settles on time even when a call ignores the signal.
 */
export async function withTimeLimit<T>(ms: number, onExpiry: () => Error, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = onExpiry();
      controller.abort(error);
      reject(error);
    }, Math.min(ms, MAX_TIMER_MS));
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for a promise, but no longer than `ms`; its outcome is ignored. For best-effort steps. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.min(ms, MAX_TIMER_MS));
  });
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), elapsed]);
  } finally {
    clearTimeout(timer);
  }
}
