import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RetryInfo } from '../../src/embed/index.js';
import { AbortError, BadRequestError, RateLimitError, TaskFailedError, TimeoutError } from '../../src/errors.js';
import { useEmulator, useEmulators } from '../helpers/emulator.js';
import { API_KEY, clientFor, count, EMULATOR_OPTIONS, type Emulator } from './emulator-helper.js';

let emu: Emulator;
const suiteEmulator = useEmulator(EMULATOR_OPTIONS);
const freshEmulator = useEmulators(EMULATOR_OPTIONS);
beforeAll(() => {
  emu = suiteEmulator();
});
afterEach(() => {
  emu.setFaults({});
});

const poll = { intervalMs: 20, maxIntervalMs: 100, timeoutMs: 10_000 };

describe('retries', () => {
  it('under a 30% 429 plan with Retry-After every call succeeds, and no retry comes earlier than told', async () => {
    emu.setFaults({ seed: 1, rate_429: 0.3, retry_after_sec: 1, routes: ['POST /embed-v2'] });
    emu.reset();
    // One client per call, so each call's retries and completion form their own timeline.
    const timelines = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const events: Array<{ kind: 'retry' | 'done'; at: number; info?: RetryInfo }> = [];
        const client = clientFor(emu, { onRetry: (info) => events.push({ kind: 'retry', at: Date.now(), info }) });
        try {
          const res = await client.embed({ text: `query ${i}` });
          expect(res.segments[0]?.vector.length).toBe(512);
          events.push({ kind: 'done', at: Date.now() });
        } finally {
          await client.close();
        }
        return events;
      }),
    );
    const stats = emu.stats();
    const throttled = count(stats, 'POST /embed-v2', '429');
    expect(throttled).toBeGreaterThan(0);
    expect(count(stats, 'POST /embed-v2', '200')).toBe(12);
    const retries = timelines.flat().filter((e) => e.kind === 'retry');
    expect(retries).toHaveLength(throttled);
    for (const events of timelines) {
      events.forEach((e, i) => {
        if (e.kind !== 'retry') return;
        expect(e.info?.status).toBe(429);
        expect(e.info?.delayMs).toBeGreaterThanOrEqual(1000);
        expect(JSON.stringify(e.info)).not.toContain(API_KEY);
        // The next attempt was sent only after the sleep, so its outcome cannot come sooner.
        expect((events[i + 1]?.at ?? Infinity) - e.at).toBeGreaterThanOrEqual(990);
      });
    }
  });

  it('429 without any header backs off with jitter and succeeds', async () => {
    emu.setFaults({ seed: 2, rate_429_no_headers: 0.4, routes: ['POST /embed-v2'] });
    emu.reset();
    const delays: number[] = [];
    const client = clientFor(emu, { onRetry: (info) => delays.push(info.delayMs) });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => client.embed({ text: `q${i}` })));
    } finally {
      await client.close();
    }
    expect(count(emu.stats(), 'POST /embed-v2', '200')).toBe(10);
    expect(delays.length).toBeGreaterThan(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(200); // retryMaxDelayMs of the test client
  });

  it('5xx answers and dropped connections are retried until success', async () => {
    emu.setFaults({
      seed: 3,
      rate_5xx: 0.3,
      rate_drop: 0.2,
      routes: ['POST /embed-v2', 'GET /embed-v2/tasks/{task_id}'],
    });
    emu.reset();
    const statuses: Array<number | undefined> = [];
    const client = clientFor(emu, { maxRetries: 8, onRetry: (info) => statuses.push(info.status) });
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.embed({ text: `t${i}` })));
      expect(results).toHaveLength(12);
      const task = await client.createEmbedTask({ video: { url: 'https://example.com/flaky.mp4' } });
      const segments = await client.waitForEmbedTask(task.id, { poll });
      expect(segments.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    expect(statuses.some((s) => s !== undefined && s >= 500)).toBe(true);
    expect(statuses.some((s) => s === undefined)).toBe(true); // a dropped connection has no status
  });

  it('gives up after maxRetries with RateLimitError', async () => {
    emu.setFaults({ seed: 4, rate_429: 1, retry_after_sec: 0, routes: ['POST /embed-v2'] });
    emu.reset();
    const client = clientFor(emu, { maxRetries: 2 });
    try {
      await expect(client.embed({ text: 'x' })).rejects.toBeInstanceOf(RateLimitError);
    } finally {
      await client.close();
    }
    expect(count(emu.stats(), 'POST /embed-v2', '429')).toBe(3);
  });

  it('a Retry-After longer than maxRetryAfterMs fails at once instead of waiting', async () => {
    emu.setFaults({ seed: 5, rate_429: 1, retry_after_sec: 30, routes: ['POST /embed-v2'] });
    emu.reset();
    const client = clientFor(emu, { maxRetryAfterMs: 5000 });
    try {
      const t0 = Date.now();
      await expect(client.embed({ text: 'x' })).rejects.toBeInstanceOf(RateLimitError);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await client.close();
    }
    expect(count(emu.stats(), 'POST /embed-v2')).toBe(1);
  });

  it('never retries a 400', async () => {
    emu.reset();
    const client = clientFor(emu);
    try {
      await expect(client.embed({ video: { url: 'nope' } })).rejects.toBeInstanceOf(BadRequestError);
    } finally {
      await client.close();
    }
    expect(count(emu.stats(), 'POST /embed-v2')).toBe(1);
  });
});

describe('tasks that fail or take too long', () => {
  it('a failed v2 task -> TaskFailedError', async () => {
    emu.setFaults({ task_failure_rate: 1 });
    const client = clientFor(emu);
    try {
      const err = await client
        .embedTaskAndPoll({ video: { url: 'https://example.com/bad.mp4' } }, { poll })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect((err as TaskFailedError).taskId).toMatch(/\w+/);
    } finally {
      await client.close();
    }
  });
  it('a failed v1 task -> TaskFailedError', async () => {
    emu.setFaults({ task_failure_rate: 1 });
    const client = clientFor(emu);
    try {
      await expect(
        client.embedTaskAndPoll(
          { model: 'Marengo-retrieval-2.7', video: { url: 'https://example.com/bad.mp4' } },
          { poll },
        ),
      ).rejects.toBeInstanceOf(TaskFailedError);
    } finally {
      await client.close();
    }
  });
  it('the poll deadline -> TimeoutError', async () => {
    const slow = await freshEmulator({ taskDelayMs: 60_000 });
    const client = clientFor(slow);
    try {
      const t0 = Date.now();
      const err = await client
        .embedTaskAndPoll(
          { video: { url: 'https://example.com/slow.mp4' } },
          { poll: { intervalMs: 30, timeoutMs: 300 } },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await client.close();
    }
  });
});

describe('abort', () => {
  async function rejectsWithin(
    promise: Promise<unknown>,
    controller: AbortController,
    afterMs: number,
  ): Promise<number> {
    const settled = promise.then(
      () => {
        throw new Error('resolved instead of aborting');
      },
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, afterMs));
    const t0 = Date.now();
    controller.abort();
    const err = await settled;
    expect(err).toBeInstanceOf(AbortError);
    return Date.now() - t0;
  }

  it('a request in flight rejects within 100 ms', async () => {
    emu.setFaults({ latency_ms: 3000, routes: ['POST /embed-v2'] });
    const client = clientFor(emu);
    const controller = new AbortController();
    try {
      expect(
        await rejectsWithin(client.embed({ text: 'slow' }, { signal: controller.signal }), controller, 100),
      ).toBeLessThan(100);
    } finally {
      await client.close();
    }
  });
  it('a Retry-After sleep is cut short', async () => {
    emu.setFaults({ rate_429: 1, retry_after_sec: 30, routes: ['POST /embed-v2'] });
    const client = clientFor(emu);
    const controller = new AbortController();
    try {
      expect(
        await rejectsWithin(client.embed({ text: 'x' }, { signal: controller.signal }), controller, 150),
      ).toBeLessThan(100);
    } finally {
      await client.close();
    }
  });
  it('polling is cut short', async () => {
    const client = clientFor(emu);
    const slow = await freshEmulator({ taskDelayMs: 60_000 });
    const slowClient = clientFor(slow);
    const controller = new AbortController();
    try {
      const p = slowClient.embedTaskAndPoll(
        { video: { url: 'https://example.com/x.mp4' } },
        { signal: controller.signal, poll: { intervalMs: 5000 } },
      );
      expect(await rejectsWithin(p, controller, 200)).toBeLessThan(100);
    } finally {
      await client.close();
      await slowClient.close();
    }
  });
  it('a call waiting for a concurrency slot is released at once', async () => {
    emu.setFaults({ latency_ms: 1500, routes: ['POST /embed-v2'] });
    const client = clientFor(emu, { concurrency: 1 });
    const controller = new AbortController();
    try {
      const first = client.embed({ text: 'occupies the only slot' });
      expect(
        await rejectsWithin(client.embed({ text: 'queued' }, { signal: controller.signal }), controller, 50),
      ).toBeLessThan(100);
      await first;
    } finally {
      await client.close();
    }
  });
});

describe('concurrency', () => {
  it('never has more requests in flight than the bound', async () => {
    emu.setFaults({ latency_ms: 200, routes: ['POST /embed-v2'] });
    const client = clientFor(emu, { concurrency: 2 });
    try {
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 6 }, (_, i) => client.embed({ text: `c${i}` })));
      // 6 calls, 2 at a time, 200 ms each: at least 3 waves.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(580);
    } finally {
      await client.close();
    }
  });
});
