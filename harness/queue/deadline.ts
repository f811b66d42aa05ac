export type Deadlined<T> = { done: true; value: T } | { done: false };

/**
 * Waits for `promise` at most `ms`. Redis calls and BullMQ's close() can wait
 * forever while Redis is down; callers that must answer in bounded time race
 * them with this. A rejection passes through; the loser keeps running.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Deadlined<T>> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), expired]);
  } finally {
    clearTimeout(timer);
  }
}
