import { AppError } from '@ferrum/domain';

/** How often, and how far apart, one request is tried again after a transient failure. */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  readonly tries: number;
  /** The wait before the second try; each later wait doubles, up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Six tries, as MAAS's Redfish driver since LP#2004661 (BMCs that drop connections or answer
 * 503 while busy): waits of about 0.5, 1, 2, 4 and 8 s, 15 s in all, inside the call's deadline.
 */
export const defaultRetryPolicy: RetryPolicy = { tries: 6, firstDelayMs: 500, maxDelayMs: 8_000 };

/** A failed try, judged: the error to report, and whether another try may help (and when). */
export interface RetryVerdict {
  readonly error: unknown;
  readonly retry: boolean;
  /** The peer's own `Retry-After`, honoured up to the policy's longest wait. */
  readonly afterMs?: number;
}

export interface RetryOptions<T> {
  readonly policy: RetryPolicy;
  /** Epoch ms after which no try starts and no wait runs past. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** One try; `timeoutMs` is what is left of the deadline, for the try to bound itself. */
  readonly attempt: (timeoutMs: number) => Promise<T>;
  readonly judge: (error: unknown) => RetryVerdict;
  /** For the wait's jitter, in [0, 1). */
  readonly random?: () => number;
  /** Thrown when the deadline has passed before the first try. */
  readonly outOfTime?: () => Error;
}

/**
 * Runs `attempt` until it succeeds, `judge` says another try cannot help, the policy's tries
 * are used up or the deadline is near, waiting with exponential backoff (half fixed, half
 * jitter) in between. An abort stops it at once with the signal's reason. A retried failure
 * that is finally reported says how many tries it took.
 */
export async function withRetries<T>(options: RetryOptions<T>): Promise<T> {
  const { policy, deadline, signal } = options;
  const random = options.random ?? Math.random;
  const started = Date.now();
  for (let tries = 1; ; tries++) {
    signal.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0)
      throw (
        options.outOfTime?.() ??
        new AppError('power_unreachable', 'The power call ran out of time before it started.')
      );
    let verdict: RetryVerdict;
    try {
      return await options.attempt(left);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      verdict = options.judge(error);
    }
    const backoff = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (tries - 1));
    const wait = Math.min(
      policy.maxDelayMs,
      Math.max(Math.round(backoff * (0.5 + random() / 2)), verdict.afterMs ?? 0),
    );
    if (!verdict.retry || tries >= policy.tries || Date.now() + wait >= deadline)
      throw tries > 1 ? afterTries(verdict.error, tries, Date.now() - started) : verdict.error;
    await sleep(wait, signal);
  }
}

function afterTries(error: unknown, tries: number, elapsedMs: number): unknown {
  if (!(error instanceof AppError)) return error;
  const message = `${error.message.replace(/\.$/, '')} (${tries} tries over ${(elapsedMs / 1000).toFixed(1)} s).`;
  return new AppError(error.code, message, { ...error.details, tries });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
