import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRateLimitReset,
  parseRetryAfter,
  retryDelay,
} from '../../src/embed/retry.js';

const NOW = Date.parse('2026-07-01T12:00:00Z');

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and every 5xx', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504, 599])
      expect(isRetryableStatus(status), String(status)).toBe(true);
  });
  it('never retries another 4xx, nor a success', () => {
    for (const status of [200, 201, 204, 400, 401, 403, 404, 405, 413, 422, 451])
      expect(isRetryableStatus(status), String(status)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds, fractional too', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });
  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Wed, 01 Jul 2026 12:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 Jul 2026 11:59:00 GMT', NOW)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
  });
});

describe('parseRateLimitReset', () => {
  it('reads epoch seconds as the time left', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 12), NOW)).toBe(12_000);
    expect(parseRateLimitReset(String(NOW / 1000 - 5), NOW)).toBe(0);
  });
  it('reads a small number as delta-seconds and ignores garbage', () => {
    expect(parseRateLimitReset('4', NOW)).toBe(4000);
    expect(parseRateLimitReset('x', NOW)).toBeUndefined();
    expect(parseRateLimitReset(undefined, NOW)).toBeUndefined();
  });
});

describe('backoffDelay (full jitter)', () => {
  it('spans [0, base * 2^(attempt-1)] with the injected random source', () => {
    expect(backoffDelay(1, 500, 30_000, () => 0)).toBe(0);
    expect(backoffDelay(1, 500, 30_000, () => 0.999999)).toBe(499);
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(1000);
    expect(backoffDelay(4, 500, 30_000, () => 1)).toBe(4000);
  });
  it('never exceeds the cap, however many attempts', () => {
    for (let attempt = 1; attempt < 60; attempt++)
      expect(backoffDelay(attempt, 500, 8000, () => 1)).toBeLessThanOrEqual(8000);
    expect(backoffDelay(40, 500, 8000, () => 1)).toBe(8000);
  });
  it('stays in bounds for many random draws', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 1000; i++) {
      const attempt = 1 + (i % 8);
      const d = backoffDelay(attempt, 250, 5000, random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(5000, 250 * 2 ** (attempt - 1)));
    }
  });
});

describe('retryDelay', () => {
  const base = { attempt: 2, nowMs: NOW, random: () => 0.5, baseMs: 500, capMs: 30_000 };
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('prefers Retry-After over X-Ratelimit-Reset and backoff, and does not cap it', () => {
    expect(
      retryDelay({ ...base, headers: headers({ 'retry-after': '90', 'x-ratelimit-reset': String(NOW / 1000 + 2) }) }),
    ).toEqual({ delayMs: 90_000, source: 'retry-after' });
  });
  it('uses X-Ratelimit-Reset when there is no Retry-After', () => {
    expect(retryDelay({ ...base, headers: headers({ 'x-ratelimit-reset': String(NOW / 1000 + 2) }) })).toEqual({
      delayMs: 2000,
      source: 'ratelimit-reset',
    });
  });
  it('backs off with jitter without hints', () => {
    expect(retryDelay({ ...base, headers: headers({}) })).toEqual({ delayMs: 500, source: 'backoff' });
    expect(retryDelay(base)).toEqual({ delayMs: 500, source: 'backoff' });
  });
});

describe('isRetryableNetworkError', () => {
  it('retries resets, refusals and undici socket errors, also when wrapped', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isRetryableNetworkError(reset)).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(
      true,
    );
    expect(isRetryableNetworkError(new Error('fetch failed', { cause: reset }))).toBe(true);
  });
  it('does not retry programming errors', () => {
    expect(isRetryableNetworkError(new TypeError('x is not a function'))).toBe(false);
    expect(isRetryableNetworkError(Object.assign(new Error('bad'), { code: 'UND_ERR_INVALID_ARG' }))).toBe(false);
  });
});
