import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useEmulators } from '../helpers/emulator.js';
import { call, EMULATOR_OPTIONS, waitFor } from './helpers.js';

const emulator = useEmulators(EMULATOR_OPTIONS);

const TASK = {
  input_type: 'video',
  model_name: 'marengo3.0',
  video: { media_source: { url: 'https://example.com/held.mp4' } },
};

interface HoldView {
  id: string;
  caught: number;
  waiting: number;
  remaining: number;
}

async function holdsOf(running: RunningEmulator): Promise<HoldView[]> {
  return (await call(running, 'GET', '/__emulator/holds')).json['holds'] as HoldView[];
}

/** Until the hold has a request waiting (20 s: a loaded machine may be slow to deliver it). */
async function waiting(running: RunningEmulator, id: string): Promise<HoldView | undefined> {
  const holds = await waitFor(
    () => holdsOf(running),
    (list) => list.some((h) => h.id === id && h.waiting === 1),
    20_000,
  );
  return holds.find((h) => h.id === id);
}

describe('/__emulator/holds', () => {
  it('stage "answer": the task is created while its answer waits for the release', async () => {
    const running = await emulator();
    const hold = await call(running, 'POST', '/__emulator/holds', {
      json: { method: 'POST', path: '/embed-v2/tasks', stage: 'answer' },
    });
    expect(hold.status).toBe(201);
    const id = hold.json['id'] as string;
    const answer = call(running, 'POST', '/embed-v2/tasks', { json: TASK });
    expect(await waiting(running, id)).toMatchObject({ caught: 1, waiting: 1, remaining: 0 });
    expect(running.stats().tasks_created).toBe(1);
    expect((await call(running, 'POST', '/__emulator/holds/release', { json: { id } })).json).toEqual({ released: 1 });
    const released = await answer;
    expect(released.status).toBe(202);
    expect(await holdsOf(running)).toEqual([]);
    // count 1: the next matching request passes.
    expect((await call(running, 'POST', '/embed-v2/tasks', { json: TASK })).status).toBe(202);
  });

  it('stage "request": nothing is created until the release; a route template matches concrete paths', async () => {
    const running = await emulator();
    const created = await call(running, 'POST', '/embed-v2/tasks', { json: TASK });
    const taskId = created.json['_id'] as string;
    const hold = await call(running, 'POST', '/__emulator/holds', {
      json: { method: 'POST', path: '/embed-v2/tasks', stage: 'request' },
    });
    const poll = await call(running, 'POST', '/__emulator/holds', {
      json: { method: 'GET', path: '/embed-v2/tasks/{task_id}', stage: 'request' },
    });
    const held = call(running, 'POST', '/embed-v2/tasks', { json: TASK });
    const heldPoll = call(running, 'GET', `/embed-v2/tasks/${taskId}`);
    await waiting(running, hold.json['id'] as string);
    await waiting(running, poll.json['id'] as string);
    expect(running.stats().tasks_created).toBe(1);
    expect((await call(running, 'POST', '/__emulator/holds/release', { json: {} })).json).toEqual({ released: 2 });
    expect((await held).status).toBe(202);
    expect((await heldPoll).status).toBe(200);
    expect(running.stats().tasks_created).toBe(2);
  });

  it('refuses a hold it cannot apply', async () => {
    const running = await emulator();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ path: '/embed-v2/tasks' }, 'method'],
      [{ method: 'POST' }, 'path'],
      [{ method: 'POST', path: 'embed-v2/tasks' }, 'path'],
      [{ method: 'POST', path: '/embed-v2/tasks', count: 0 }, 'count'],
      [{ method: 'POST', path: '/embed-v2/tasks', stage: 'later' }, 'stage'],
    ];
    for (const [body, field] of cases) {
      const refused = await call(running, 'POST', '/__emulator/holds', { json: body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.text).toContain(`The ${field} parameter`);
    }
    expect(await holdsOf(running)).toEqual([]);
  });
});
