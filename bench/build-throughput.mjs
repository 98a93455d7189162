// Build throughput against the emulator: media per second at concurrency 1, 4 and 8.
// `npm run build && node bench/build-throughput.mjs` -> bench/results/build-throughput.json
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TwelveLabsClient } from '../dist/embed/index.js';
import { startEmulator } from '../dist/emulator/index.js';
import { openLibrary } from '../dist/vsearch.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const samples = join(root, 'data', 'media-samples');
const SYNC_ITEMS = 24;
const TASK_ITEMS = 8;
const TASK_DELAY_MS = 200;

const work = await mkdtemp(join(tmpdir(), 'vsearch-build-bench-'));
const emu = await startEmulator({
  port: 0,
  apiKey: 'bench',
  taskDelayMs: TASK_DELAY_MS,
  seed: 1,
  faults: { latency_ms: 20 },
});
try {
  const media = join(work, 'media');
  await mkdir(media);
  const tone = await readFile(join(samples, 'test-tone.wav'));
  const card = await readFile(join(samples, 'test-card-16x9.avi'));
  // Distinct bytes per file so nothing is deduplicated: WAVs go sync, AVIs (no known duration) go through tasks.
  for (let i = 0; i < SYNC_ITEMS; i++)
    await writeFile(join(media, `tone-${i}.wav`), Buffer.concat([tone, Buffer.from([i])]));
  for (let i = 0; i < TASK_ITEMS; i++)
    await writeFile(join(media, `card-${i}.avi`), Buffer.concat([card, Buffer.from([i])]));
  const runs = [];
  for (const concurrency of [1, 4, 8]) {
    emu.reset();
    const client = new TwelveLabsClient({ apiKey: 'bench', baseUrl: emu.baseUrl, env: {}, concurrency });
    const lib = await openLibrary(join(work, `lib-${concurrency}`), { create: true, client });
    const started = process.hrtime.bigint();
    const summary = await lib.build([media], { concurrency, clipLengthSec: 2 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await client.close();
    const stats = emu.stats();
    runs.push({
      concurrency,
      items: summary.videos,
      segments: summary.segments,
      seconds: +seconds.toFixed(3),
      media_per_second: +(summary.videos / seconds).toFixed(2),
      sync_embeds: stats.sync_embeds,
      tasks_created: stats.tasks_created,
      failures: summary.failures.length,
    });
    console.log(
      `concurrency ${concurrency}: ${summary.videos} media in ${seconds.toFixed(2)} s = ${(summary.videos / seconds).toFixed(2)} media/s (${stats.sync_embeds} sync, ${stats.tasks_created} tasks)`,
    );
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    setup: {
      sync_items: SYNC_ITEMS,
      task_items: TASK_ITEMS,
      emulator_task_delay_ms: TASK_DELAY_MS,
      emulator_latency_ms: 20,
    },
    runs,
  };
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'bench', 'results', 'build-throughput.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await emu.close();
  await rm(work, { recursive: true, force: true });
}
