/**
 * A counting semaphore with a FIFO queue: `take` resolves once fewer than `limit` holders
 * remain; a waiter whose signal aborts leaves the queue and rejects with the signal's reason.
 */
export class Slots {
  #held = 0;
  readonly #waiting: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly limit: number) {}

  get held(): number {
    return this.#held;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  take(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#held < this.limit) {
      this.#held += 1;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', entry.onAbort);
          resolve(this.#release());
        },
        onAbort: () => {
          const at = this.#waiting.indexOf(entry);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal.reason as Error);
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter: the count stays.
      if (next) next.grant();
      else this.#held -= 1;
    };
  }
}

/** Slots per key (one BMC each), created on first use and dropped when idle. */
export class KeyedSlots {
  readonly #byKey = new Map<string, Slots>();

  constructor(readonly limit: number) {}

  async take(key: string, signal: AbortSignal): Promise<() => void> {
    let slots = this.#byKey.get(key);
    if (!slots) this.#byKey.set(key, (slots = new Slots(this.limit)));
    const release = await slots.take(signal);
    return () => {
      release();
      if (slots.held === 0 && slots.waiting === 0) this.#byKey.delete(key);
    };
  }

  /** Keys with holders or waiters now (for tests and metrics). */
  get size(): number {
    return this.#byKey.size;
  }
}
