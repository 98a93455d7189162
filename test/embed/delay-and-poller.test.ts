import { describe, expect, it } from 'vitest';
import { delay } from '../../src/embed/delay.js';
import { poll } from '../../src/embed/poller.js';
import { AbortError, TaskFailedError, TimeoutError } from '../../src/errors.js';

describe('delay', () => {
  it('waits about the time asked', async () => {
    const t0 = Date.now();
    await delay(60);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });
  it('rejects with AbortError at once when aborted mid-sleep', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(delay(10_000, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - t0).toBeLessThan(200);
  });
  it('rejects when the signal is already aborted', async () => {
    await expect(delay(10, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });
});

describe('poll', () => {
  it('returns the value once done, polling with growing intervals', async () => {
    const times: number[] = [];
    let n = 0;
    const value = await poll(
      'job',
      async () => {
        times.push(Date.now());
        return ++n < 4 ? { done: false, status: 'processing' } : { done: true, value: 'ok' };
      },
      { intervalMs: 20, backoff: 2, maxIntervalMs: 1000 },
    );
    expect(value).toBe('ok');
    expect(n).toBe(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps[2]).toBeGreaterThanOrEqual(75); // 20, 40, 80
  });
  it('stops at the deadline with TimeoutError naming the last status', async () => {
    const t0 = Date.now();
    const err = await poll('job 7', async () => ({ done: false, status: 'processing' }), {
      intervalMs: 20,
      timeoutMs: 150,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(String((err as Error).message)).toContain('processing');
    expect(Date.now() - t0).toBeLessThan(400);
  });
  it('turns a hanging poll request into TimeoutError at the deadline', async () => {
    const err = await poll(
      'job',
      (signal) =>
        new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(new AbortError()));
        }),
      { timeoutMs: 80 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });
  it('rejects with AbortError within 100 ms of an abort', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 30);
    const err = await poll('job', async () => ({ done: false }), { intervalMs: 5000, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbortError);
    expect(Date.now() - t0).toBeLessThan(130);
  });
  it('lets a failed check stop polling', async () => {
    await expect(
      poll('job', async () => {
        throw new TaskFailedError('t1', 'boom');
      }),
    ).rejects.toBeInstanceOf(TaskFailedError);
  });
});
