interface Waiter {
  role: string;
  priority: number;
  order: number;
  grant: () => void;
}

/**
 * The run's worker slots (`concurrency`), shared by every role's worker: a
 * task takes one before its first session and gives it back when its attempt
 * ends. When slots are short, the next free one goes to the waiting role with
 * the fewest slots held (so a backlog of one role does not starve the
 * others), then to the higher priority, then to whoever asked first.
 */
export class SlotPool {
  #free: number;
  #asked = 0;
  readonly #held = new Map<string, number>();
  readonly #waiting: Waiter[] = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  /** Resolves with the slot's release once one is free; rejects with the signal's reason if it aborts first. */
  acquire(role: string, priority: number, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free -= 1;
      return Promise.resolve(this.#take(role));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { role, priority, order: this.#asked++, grant: () => resolve(this.#take(role)) };
      this.#waiting.push(waiter);
      signal.addEventListener('abort', () => {
        const index = this.#waiting.indexOf(waiter);
        if (index < 0) return;
        this.#waiting.splice(index, 1);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #take(role: string): () => void {
    this.#held.set(role, (this.#held.get(role) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.set(role, (this.#held.get(role) ?? 1) - 1);
      const next = this.#next();
      if (next) next.grant();
      else this.#free += 1;
    };
  }

  #next(): Waiter | undefined {
    const held = (waiter: Waiter) => this.#held.get(waiter.role) ?? 0;
    const best = this.#waiting.reduce<Waiter | undefined>((chosen, waiter) => {
      if (!chosen) return waiter;
      const order = held(waiter) - held(chosen) || chosen.priority - waiter.priority || waiter.order - chosen.order;
      return order < 0 ? waiter : chosen;
    }, undefined);
    if (best) this.#waiting.splice(this.#waiting.indexOf(best), 1);
    return best;
  }
}
