import { AbortError, TimeoutError } from '../errors.js';
import { delay, throwIfAborted } from './delay.js';

export type PollState<T> = { done: true; value: T } | { done: false; status?: string };

export interface PollOptions {
  /** First wait between polls. Default 1 s. */
  intervalMs?: number | undefined;
  /** Waits grow by this factor up to maxIntervalMs. Default 1.5. */
  backoff?: number | undefined;
  /** Default 15 s. */
  maxIntervalMs?: number | undefined;
  /** Overall deadline from the first poll; past it, TimeoutError. Default 4 h. */
  timeoutMs?: number | undefined;
  /** Called after every poll that is not yet done. */
  onPoll?: ((info: { attempt: number; status: string | undefined; elapsedMs: number }) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The one poller of every async job (embed tasks v1/v2, assets, uploads, analyze tasks).
 * `check` loads the job once and says whether it is done; it throws to stop (a failed task).
 */
export async function poll<T>(
  what: string,
  check: (signal: AbortSignal | undefined) => Promise<PollState<T>>,
  options: PollOptions = {},
): Promise<T> {
  const intervalMs = options.intervalMs ?? 1000;
  const backoff = options.backoff ?? 1.5;
  const maxIntervalMs = options.maxIntervalMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 4 * 60 * 60_000;
  const { signal } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  // The deadline also cuts a poll request that hangs, not only the sleeps between polls.
  const deadlineController = new AbortController();
  const timer = setTimeout(() => deadlineController.abort(), timeoutMs);
  const combined =
    signal === undefined ? deadlineController.signal : AbortSignal.any([signal, deadlineController.signal]);
  let wait = intervalMs;
  let lastStatus: string | undefined;
  const timeout = (): TimeoutError =>
    new TimeoutError(
      `${what} was not done after ${Math.round((Date.now() - started) / 1000)} s (last status: ${lastStatus ?? 'unknown'}); raise the poll timeout or check the task later`,
    );
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      let state: PollState<T>;
      try {
        state = await check(combined);
      } catch (error) {
        if (error instanceof AbortError && signal?.aborted !== true && deadlineController.signal.aborted)
          throw timeout();
        throw error;
      }
      if (state.done) return state.value;
      lastStatus = state.status;
      options.onPoll?.({ attempt, status: state.status, elapsedMs: Date.now() - started });
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeout();
      try {
        await delay(Math.min(wait, remaining), { signal: combined });
      } catch (error) {
        if (signal?.aborted === true) throw error;
        throw timeout();
      }
      if (Date.now() >= deadline) throw timeout();
      wait = Math.min(maxIntervalMs, wait * backoff);
    }
  } finally {
    clearTimeout(timer);
  }
}
