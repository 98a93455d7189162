import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwelveLabsClient } from '../../src/embed/index.js';
import { BadRequestError, ConflictError, NotFoundError, TaskFailedError } from '../../src/errors.js';
import { useEmulator, useEmulators } from '../helpers/emulator.js';
import { clientFor, count, EMULATOR_OPTIONS, type Emulator } from './emulator-helper.js';

let emu: Emulator;
let client: TwelveLabsClient;
const suiteEmulator = useEmulator(EMULATOR_OPTIONS);
const freshEmulator = useEmulators(EMULATOR_OPTIONS);
beforeAll(() => {
  emu = suiteEmulator();
  client = clientFor(emu);
});
afterAll(async () => {
  await client?.close();
});

const poll = { intervalMs: 20, maxIntervalMs: 100, timeoutMs: 10_000 };
const segmentation = {
  type: 'segment_definitions',
  segment_definitions: [
    {
      id: 'scene',
      description: 'A distinct scene',
      fields: [{ name: 'sentiment', type: 'string', description: 'tone' }],
    },
  ],
};

describe('analyze tasks (/analyze/tasks)', () => {
  it('general analysis: create, poll to ready, text result', async () => {
    const created = await client.createAnalyzeTask({
      video: { url: 'https://example.com/talk.mp4' },
      prompt: 'Summarize the video',
    });
    expect(created.status).toBe('queued');
    const task = await client.waitForAnalyzeTask(created.id, { poll });
    expect(task.status).toBe('ready');
    expect(task.text?.length ?? 0).toBeGreaterThan(0);
    expect(task.segments).toBeUndefined();
  });
  it('time_based_metadata: timestamped, ordered segments', async () => {
    const task = await client.analyzeTaskAndPoll(
      {
        model: 'pegasus1.5',
        video: { url: 'https://example.com/match.mp4' },
        analysisMode: 'time_based_metadata',
        responseFormat: segmentation,
        minSegmentDuration: 2,
        maxSegmentDuration: 10,
      },
      { poll },
    );
    expect(task.analysisMode).toBe('time_based_metadata');
    const segments = task.segments ?? [];
    expect(segments.length).toBeGreaterThan(0);
    for (const [i, s] of segments.entries()) {
      expect(s.definition).toBe('scene');
      expect(s.endSec).toBeGreaterThan(s.startSec);
      if (i > 0) expect(s.startSec).toBeGreaterThanOrEqual(segments[i - 1]?.startSec ?? 0);
    }
  });
  it('list and delete', async () => {
    const created = await client.createAnalyzeTask({ video: { url: 'https://example.com/del.mp4' }, prompt: 'x' });
    await client.waitForAnalyzeTask(created.id, { poll });
    const listed = await client.listAnalyzeTasks({ pageLimit: 50 }).toArray();
    expect(listed.map((t) => t.id)).toContain(created.id);
    await client.deleteAnalyzeTask(created.id);
    await expect(client.getAnalyzeTask(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });
  it('deleting a task still processing -> ConflictError after the retries', async () => {
    const slow = await freshEmulator({ taskDelayMs: 60_000 });
    const c = clientFor(slow, { maxRetries: 1 });
    try {
      const created = await c.createAnalyzeTask({ video: { url: 'https://example.com/busy.mp4' }, prompt: 'x' });
      await expect(c.deleteAnalyzeTask(created.id)).rejects.toBeInstanceOf(ConflictError);
      expect(count(slow.stats(), 'DELETE /analyze/tasks/{task_id}', '409')).toBe(2);
    } finally {
      await c.close();
    }
  });
  it('a failed analysis -> TaskFailedError', async () => {
    emu.setFaults({ task_failure_rate: 1 });
    try {
      await expect(
        client.analyzeTaskAndPoll({ video: { url: 'https://example.com/broken.mp4' }, prompt: 'x' }, { poll }),
      ).rejects.toBeInstanceOf(TaskFailedError);
    } finally {
      emu.setFaults({});
    }
  });
  it('a bad request carries the request id of the answer', async () => {
    const err = await client
      .createAnalyzeTask({
        video: { url: 'https://example.com/v.mp4' },
        analysisMode: 'time_based_metadata',
        model: 'pegasus1.2',
        responseFormat: segmentation,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).requestId).toMatch(/^emu-/);
  });
});
