import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwelveLabsClient, UploadSession } from '../../src/embed/index.js';
import { AbortError, InputError } from '../../src/errors.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { bigFile, clientFor, count, smallFile } from './emulator-helper.js';
import { type EmulatorProcess, emulatorProcess } from './emulator-process.js';

const MB = 1024 * 1024;
const PUT_ROUTE = 'PUT /__storage/uploads/{upload_id}/{chunk_index}';

// The emulator runs in a child process: this process's RSS is then the client's alone.
let emu: EmulatorProcess;
let client: TwelveLabsClient;
const suiteDir = useSuiteTempDir();

beforeAll(async () => {
  emu = await emulatorProcess();
  client = clientFor(emu, { concurrency: 4 });
  // Warm up: the first streamed upload pays one-time allocations (JIT, pools) unrelated to file size.
  const warm = join(suiteDir(), 'warm.mp4');
  await bigFile(warm, 8 * MB, 3);
  await client.createEmbedTaskV1({ video: { file: warm } });
  await client.uploadMultipart(warm);
});
afterAll(async () => {
  await client?.close();
  await emu?.close();
});

/** Peak RSS growth over the baseline while `work` runs, sampled every 10 ms. */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - baseline;
}

describe('streaming uploads', () => {
  it('a 100 MB video goes to POST /embed/tasks streamed from disk, with flat memory', async () => {
    const path = join(suiteDir(), 'big-100.mp4');
    await bigFile(path, 100 * MB, 7);
    let taskId = '';
    const growth = await peakRssGrowth(async () => {
      const task = await client.createEmbedTaskV1({ video: { file: path }, clipLengthSec: 6 });
      taskId = task.id;
    });
    expect(taskId).not.toBe('');
    // Holding the file (or its multipart encoding) in memory would cost >= 100 MB; the bound
    // leaves room for GC timing on a loaded machine.
    expect(growth, `RSS grew ${(growth / MB).toFixed(1)} MB`).toBeLessThan(60 * MB);
    const status = await client.getEmbedTaskStatusV1(taskId);
    expect(status.id).toBe(taskId);
  });

  it('a direct asset upload (POST /assets) of a small file, polled to ready', async () => {
    const path = await smallFile(join(suiteDir(), 'small.mp4'), 'tiny video bytes');
    const asset = await client.createAsset({ file: path });
    expect(asset.status).toMatch(/processing|ready/);
    const ready = await client.waitForAsset(asset.id, { poll: { intervalMs: 20, timeoutMs: 10_000 } });
    expect(ready.status).toBe('ready');
    expect((await client.getAsset(asset.id)).id).toBe(asset.id);
  });

  it('an asset is usable as the media source of a v2 task', async () => {
    const path = await smallFile(join(suiteDir(), 'asset-src.mp4'), 'some other bytes');
    const asset = await client.uploadAsset(path, { poll: { intervalMs: 20, timeoutMs: 10_000 } });
    const res = await client.embedTaskAndPoll(
      { video: { assetId: asset.id } },
      { poll: { intervalMs: 20, timeoutMs: 10_000 } },
    );
    expect(res.segments.length).toBeGreaterThan(0);
  });
});

describe('local files over the inline limit', () => {
  it('a sync embed refuses a 37 MB file before any request; a task uploads it as an asset', async () => {
    const path = join(suiteDir(), 'over-inline.mp4');
    await bigFile(path, 37 * MB, 5);
    await emu.reset();
    await expect(client.embed({ video: { file: path } })).rejects.toBeInstanceOf(InputError);
    expect(count(await emu.stats(), 'POST /embed-v2')).toBe(0);
    const res = await client.embedTaskAndPoll(
      { video: { file: path } },
      { poll: { intervalMs: 20, timeoutMs: 20_000 } },
    );
    expect(res.segments.length).toBeGreaterThan(0);
    const stats = await emu.stats();
    expect(count(stats, 'POST /assets', '201')).toBe(1);
    expect(count(stats, 'POST /embed-v2/tasks')).toBe(1);
  });
});

describe('multipart asset upload', () => {
  it('a 300 MB upload interrupted half-way resumes without resending acknowledged chunks', async () => {
    const path = join(suiteDir(), 'big-300.mp4');
    await bigFile(path, 300 * MB, 11);
    await emu.reset();
    let session: UploadSession | undefined;
    const controller = new AbortController();
    let total = 0;
    const growth = await peakRssGrowth(async () => {
      const err = await client
        .uploadMultipart(path, {
          signal: controller.signal,
          onSession: (s) => {
            session = s;
          },
          onProgress: (p) => {
            total = p.totalChunks;
            if (p.completedChunks >= p.totalChunks / 2) controller.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortError);
    });
    // Holding the file would cost 300 MB; a few 5 MB chunks in flight stay far below. The bound
    // leaves room for GC timing on a loaded machine (30 MB failed once at 30.7 MB in CI).
    expect(growth, `RSS grew ${(growth / MB).toFixed(1)} MB`).toBeLessThan(100 * MB);
    expect(session).toBeDefined();
    const s = session as UploadSession;
    expect(s.totalChunks).toBe(total);
    const firstRunPuts = count(await emu.stats(), PUT_ROUTE, '200');
    const status = await client.getUploadStatus(s.uploadId);
    const acknowledged = status.completed.size;
    expect(acknowledged).toBeGreaterThanOrEqual(total / 2);
    expect(acknowledged).toBeLessThan(total);
    expect(firstRunPuts).toBeLessThan(total);

    // Let the server finish recording the PUTs the abort cut off (they end as 400 IncompleteBody).
    await new Promise((r) => setTimeout(r, 300));
    await emu.reset();
    const result = await client.uploadMultipart(path, { resume: s });
    const secondRunPuts = count(await emu.stats(), PUT_ROUTE);
    expect(count(await emu.stats(), PUT_ROUTE, '200')).toBe(secondRunPuts);
    expect(result.assetId).toBe(s.assetId);
    // Only the chunks the platform had not acknowledged are sent again.
    expect(secondRunPuts).toBe(total - acknowledged);
    expect(result.chunksSent).toBe(total - acknowledged);
    const after = await client.getUploadStatus(s.uploadId);
    expect(after.status).toBe('completed');
    const asset = await client.waitForAsset(s.assetId, { poll: { intervalMs: 50, timeoutMs: 30_000 } });
    expect(asset.status).toBe('ready');
  });
});
