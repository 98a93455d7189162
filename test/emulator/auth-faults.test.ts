import { describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { useEmulators } from '../helpers/emulator.js';
import { call, EMULATOR_OPTIONS, textRequest, waitFor } from './helpers.js';

const emulator = useEmulators(EMULATOR_OPTIONS);

const V1_401 = {
  code: 'api_key_invalid',
  message:
    'API Key is either invalid or expired. Please check your API key or generate a new one from the dashboard and try again.',
};

describe('auth', () => {
  it('requires the configured key, with the dialect of each route', async () => {
    const emu = await emulator();
    const missing = await call(emu, 'GET', '/embed/tasks', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(V1_401);
    const wrong = await call(emu, 'POST', '/embed-v2', { key: 'nope', json: textRequest('x') });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: V1_401 });
    expect((await call(emu, 'POST', '/embed-v2', { json: textRequest('x') })).status).toBe(200);
  });

  it('accepts any non-empty key when none is configured', async () => {
    // Started by hand: the fixture always configures a key, and this one must start without.
    const emu = await startEmulator({ taskDelayMs: 10 });
    try {
      expect((await call(emu, 'POST', '/embed-v2', { key: 'anything', json: textRequest('x') })).status).toBe(200);
      expect((await call(emu, 'POST', '/embed-v2', { key: '', json: textRequest('x') })).status).toBe(401);
    } finally {
      await emu.close();
    }
  });

  it('does not ask for a key on its own control routes, and 404s unknown API paths', async () => {
    const emu = await emulator();
    expect((await call(emu, 'GET', '/__emulator/stats', { key: null })).status).toBe(200);
    const unknown = await call(emu, 'GET', '/indexes');
    expect(unknown.status).toBe(404);
    const wrongMethod = await call(emu, 'DELETE', '/embed-v2');
    expect(wrongMethod.status).toBe(405);
  });
});

async function burst(
  emu: RunningEmulator,
  n: number,
): Promise<Array<{ status: number | 'dropped'; headers?: Headers; text?: string }>> {
  const out: Array<{ status: number | 'dropped'; headers?: Headers; text?: string }> = [];
  for (let i = 0; i < n; i += 1) {
    try {
      const res = await call(emu, 'POST', '/embed-v2', { json: textRequest(`query ${i}`) });
      out.push({ status: res.status, headers: res.headers, text: res.text });
    } catch {
      out.push({ status: 'dropped' });
    }
  }
  return out;
}

describe('faults', () => {
  it('injects 429 (with and without headers), 5xx and drops at the configured rates', async () => {
    const emu = await emulator({
      faults: { seed: 7, rate_429: 0.2, rate_429_no_headers: 0.1, rate_5xx: 0.1, rate_drop: 0.1, retry_after_sec: 3 },
    });
    const results = await burst(emu, 300);
    const withHeaders = results.filter((r) => r.status === 429 && r.headers?.get('retry-after') !== null);
    const bare = results.filter((r) => r.status === 429 && r.headers?.get('retry-after') === null);
    const server = results.filter((r) => typeof r.status === 'number' && r.status >= 500);
    const dropped = results.filter((r) => r.status === 'dropped');
    const ok = results.filter((r) => r.status === 200);
    expect(withHeaders.length / 300).toBeGreaterThan(0.13);
    expect(withHeaders.length / 300).toBeLessThan(0.27);
    expect(bare.length / 300).toBeGreaterThan(0.05);
    expect(bare.length / 300).toBeLessThan(0.16);
    expect(server.length / 300).toBeGreaterThan(0.05);
    expect(server.length / 300).toBeLessThan(0.16);
    expect(dropped.length / 300).toBeGreaterThan(0.05);
    expect(dropped.length / 300).toBeLessThan(0.16);
    expect(ok.length).toBe(300 - withHeaders.length - bare.length - server.length - dropped.length);

    const limited = withHeaders[0];
    expect(limited?.headers?.get('retry-after')).toBe('3');
    const reset = Number(limited?.headers?.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThan(Date.now() / 1000 + 10);
    expect(JSON.parse(limited?.text ?? '{}')).toMatchObject({ error: { code: 'too_many_requests' } });
    expect(bare[0]?.text).toBe('');
    expect(bare[0]?.headers?.get('x-ratelimit-reset')).toBeNull();

    const stats = emu.stats().requests['POST /embed-v2'] ?? {};
    expect(stats['200']).toBe(ok.length);
    expect(stats['429']).toBe(withHeaders.length + bare.length);
    expect(stats['dropped']).toBe(dropped.length);
  });

  it('replays the same fault sequence for the same seed', async () => {
    // Each run starts its own emulator: the two runs must not share one.
    const sequence = async (): Promise<Array<number | 'dropped'>> => {
      const e = await emulator({ faults: { seed: 11, rate_429: 0.3, rate_5xx: 0.2 } });
      return (await burst(e, 40)).map((r) => r.status);
    };
    const a = await sequence();
    expect(await sequence()).toEqual(a);
    expect(a.filter((s) => s === 429).length).toBeGreaterThan(3);
  });

  it('limits faults to the listed routes and adds latency', async () => {
    const emu = await emulator();
    emu.setFaults({ rate_5xx: 1, routes: ['POST /embed-v2/tasks'] });
    expect((await call(emu, 'POST', '/embed-v2', { json: textRequest('fine') })).status).toBe(200);
    const failed = await call(emu, 'POST', '/embed-v2/tasks', {
      json: { input_type: 'video', model_name: 'marengo3.0', video: { media_source: { url: 'https://e.com/v.mp4' } } },
    });
    expect([500, 503]).toContain(failed.status);
    expect((failed.json['error'] as Record<string, unknown>)['code']).toMatch(/internal_error|service_unavailable/);

    const set = await call(emu, 'POST', '/__emulator/faults', { json: { latency_ms: 150 } });
    expect(set.status).toBe(200);
    const t0 = Date.now();
    expect((await call(emu, 'POST', '/embed-v2', { json: textRequest('slow') })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect((await call(emu, 'POST', '/__emulator/faults', { json: { rate_429: 2 } })).status).toBe(400);
  });

  it('leaves presigned chunk PUTs alone unless their route is listed', async () => {
    const emu = await emulator({ faults: { rate_5xx: 1 } });
    emu.setFaults({});
    const created = await call(emu, 'POST', '/assets/multipart-uploads', {
      json: { filename: 'a.mp4', type: 'video', total_size: 3 },
    });
    const url = (created.json['upload_urls'] as Array<{ url: string }>)[0]?.url ?? '';
    emu.setFaults({ rate_5xx: 1 });
    expect((await fetch(url, { method: 'PUT', body: 'abc' })).status).toBe(200);
    emu.setFaults({ rate_5xx: 1, routes: ['PUT /__storage/uploads/{upload_id}/{chunk_index}'] });
    expect([500, 503]).toContain((await fetch(url, { method: 'PUT', body: 'abc' })).status);
    expect((await call(emu, 'GET', '/embed/tasks')).status).toBe(200);
  });

  it('fails tasks at task_failure_rate with the real failed shape', async () => {
    const emu = await emulator({ faults: { seed: 3, task_failure_rate: 0.5 } });
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const res = await call(emu, 'POST', '/embed-v2/tasks', {
        json: {
          input_type: 'audio',
          model_name: 'marengo3.0',
          audio: { media_source: { url: `https://e.com/a${i}.mp3` } },
        },
      });
      expect(res.status).toBe(202);
      ids.push(res.json['_id'] as string);
    }
    const finals = [];
    for (const id of ids)
      finals.push(
        (
          await waitFor(
            () => call(emu, 'GET', `/embed-v2/tasks/${id}`),
            (r) => r.json['status'] !== 'processing',
          )
        ).json,
      );
    const failed = finals.filter((t) => t['status'] === 'failed');
    expect(failed.length).toBeGreaterThan(7);
    expect(failed.length).toBeLessThan(23);
    expect(failed[0]).toMatchObject({ data: null, error: { message: expect.any(String) } });
    expect(finals.filter((t) => t['status'] === 'ready').every((t) => Array.isArray(t['data']))).toBe(true);
  });
});

describe('stats', () => {
  it('counts requests per route and status, tasks and sync embeds; reset zeroes them', async () => {
    const emu = await emulator();
    await call(emu, 'POST', '/embed-v2', { json: textRequest('a') });
    await call(emu, 'POST', '/embed-v2', { json: textRequest('b') });
    await call(emu, 'POST', '/embed-v2', { json: { input_type: 'text' } });
    const task = await call(emu, 'POST', '/embed-v2/tasks', {
      json: { input_type: 'video', model_name: 'marengo3.0', video: { media_source: { url: 'https://e.com/v.mp4' } } },
    });
    await call(emu, 'GET', `/embed-v2/tasks/${task.json['_id'] as string}`);
    const stats = await call(emu, 'GET', '/__emulator/stats');
    expect(stats.json).toEqual({
      requests: {
        'POST /embed-v2': { '200': 2, '400': 1 },
        'POST /embed-v2/tasks': { '202': 1 },
        'GET /embed-v2/tasks/{task_id}': { '200': 1 },
      },
      tasks_created: 1,
      sync_embeds: 2,
      assets_created: 0,
      analyze_tasks: 0,
    });
    expect(emu.stats()).toEqual(stats.json);
    expect((await call(emu, 'POST', '/__emulator/reset')).status).toBe(200);
    expect(emu.stats()).toEqual({
      requests: {},
      tasks_created: 0,
      sync_embeds: 0,
      assets_created: 0,
      analyze_tasks: 0,
    });
    await call(emu, 'GET', '/embed/tasks');
    emu.reset();
    expect(emu.stats().requests).toEqual({});
  });
});
