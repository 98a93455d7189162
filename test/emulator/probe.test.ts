import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { HAS_SHARED_DATA, SHARED_DATA } from '../helpers/shared-data.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';
import { call, EMULATOR_OPTIONS, readyV1Task, waitFor } from './helpers.js';

/** Uploads `video` as a 2 s-clip embed task, waits until it is ready, and gives the end of its last segment. */
async function lastSegmentEnd(emu: RunningEmulator, video: Buffer, filename: string): Promise<number> {
  const body = new FormData();
  body.append('model_name', 'Marengo-retrieval-2.7');
  body.append('video_file', new Blob([video]), filename);
  body.append('video_clip_length', '2');
  const task = await readyV1Task(emu, body);
  const segments = (task.json['video_embedding'] as { segments: Array<{ end_offset_sec: number }> }).segments;
  return Math.max(...segments.map((s) => s.end_offset_sec));
}

/** A stand-in ffprobe on PATH that reports 42.5 s for any file (and logs the files it saw): asked only for bytes MediaInfo cannot read. */
describe.skipIf(process.platform === 'win32')('ffprobe durations', () => {
  let savedPath: string | undefined;
  let bin: string;
  const binFolder = useSuiteTempDir();
  beforeAll(async () => {
    bin = binFolder();
    const script = join(bin, 'ffprobe');
    writeFileSync(
      script,
      `#!/bin/sh\nif [ "$1" = "-version" ]; then echo fake; exit 0; fi\nfor last; do :; done\ntest -f "$last" && echo "$last" >> "${bin}/seen"\necho '{"format":{"duration":"42.5"},"streams":[]}'\n`,
    );
    chmodSync(script, 0o755);
    savedPath = process.env['PATH'];
    process.env['PATH'] = `${bin}${delimiter}${savedPath ?? ''}`;
  });
  afterAll(() => {
    process.env['PATH'] = savedPath;
  });
  const emulator = useEmulator(EMULATOR_OPTIONS);

  it('uses the probed duration of an uploaded video_file when no scenario describes it', async () => {
    const body = new FormData();
    body.append('model_name', 'marengo3.0');
    body.append('video_file', new Blob(['not really a video']), 'probe-me.mp4');
    const task = await readyV1Task(emulator(), body);
    const video = task.json['video_embedding'] as {
      metadata: { duration: number };
      segments: Array<{ end_offset_sec: number; embedding_option: string }>;
    };
    expect(video.metadata.duration).toBe(42.5);
    expect(video.segments.filter((s) => s.embedding_option === 'visual').at(-1)?.end_offset_sec).toBe(42.5);
    // ffprobe really was handed a spooled copy of the upload
    expect(readdirSync(bin)).toContain('seen');
  });

  it('probes direct-upload assets and reports the duration', async () => {
    const body = new FormData();
    body.append('method', 'direct');
    body.append('file', new Blob(['bytes']), 'probe.mp4');
    const created = await call(emulator(), 'POST', '/assets', { form: body });
    const asset = await waitFor(
      () => call(emulator(), 'GET', `/assets/${created.json['_id'] as string}`),
      (r) => r.json['status'] === 'ready',
    );
    expect(asset.json['duration']).toBe(42.5);
  });
});

/** No ffprobe on PATH: MediaInfo (WASM) reads the duration from the bytes. */
describe('durations without ffprobe', () => {
  let savedPath: string | undefined;
  let emptyBin: string;
  const emptyBinFolder = useSuiteTempDir();
  beforeAll(async () => {
    savedPath = process.env['PATH'];
    emptyBin = emptyBinFolder();
    process.env['PATH'] = emptyBin;
  });
  afterAll(() => {
    process.env['PATH'] = savedPath;
  });
  const emulator = useEmulator(EMULATOR_OPTIONS);

  it('reads an uploaded MP4 duration when no scenario describes it', async () => {
    const video = readFileSync(fileURLToPath(new URL('../../data/media-samples/bbb-3sec.mp4', import.meta.url)));
    expect(await lastSegmentEnd(emulator(), video, 'unknown-name.mp4')).toBeCloseTo(3.008, 2);
  });

  /** The durations of the files, so that no segment passes the end and none stops short of it. */
  it.skipIf(!HAS_SHARED_DATA).each([
    ['media_fluent_ffmpeg/testvideo-169.avi', 2],
    ['media_popeye_public_domain/vob/Title T02-3.mkv', 61.034],
  ])('covers an uploaded %s to its real end (%d s) and no further', async (file, durationSec) => {
    expect(await lastSegmentEnd(emulator(), readFileSync(join(SHARED_DATA, file)), 'undescribed.bin')).toBeCloseTo(
      durationSec,
      2,
    );
  });
});
