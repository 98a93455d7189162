import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Library, openLibrary } from '../../src/library/index.js';
import type { SearchRequest } from '../../src/query/index.js';
import { type RunningSearchServer, type SearchServerOptions, startSearchServer } from '../../src/server/index.js';
import {
  type EmulatorWithClient,
  MEDIA_SAMPLES,
  testScenario,
  useEmulatorsWithClients,
  useEmulatorWithClient,
} from '../build/emulator-fixture.js';

/** A 1x1 PNG: the image query the scenario describes as the butterfly scene. */
export const BUTTERFLY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
/** Another image, described as the test card. */
export const TEST_CARD_PNG = Buffer.concat([BUTTERFLY_PNG, Buffer.from('test card')]);
const BUTTERFLY_TEXT = 'a butterfly flutters over the flowers in the morning sun';
const TEST_CARD_TEXT = 'a colour test card with vertical bars on a screen';
/** The file name a query_media_url's basename is looked up by in the emulator's scenario. */
export const REMOTE_IMAGE_NAME = 'remote-butterfly.png';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function serveScenario(): ReturnType<typeof testScenario> {
  const scenario = testScenario();
  scenario[sha256(BUTTERFLY_PNG)] = { duration_sec: 1, segments: [{ start: 0, end: 1, text: BUTTERFLY_TEXT }] };
  scenario[sha256(TEST_CARD_PNG)] = { duration_sec: 1, segments: [{ start: 0, end: 1, text: TEST_CARD_TEXT }] };
  scenario[REMOTE_IMAGE_NAME] = { duration_sec: 1, segments: [{ start: 0, end: 1, text: BUTTERFLY_TEXT }] };
  return scenario;
}

/** The emulator the media samples are built through: it also describes the query images. */
export function useMediaSamplesEmulator(): () => EmulatorWithClient {
  return useEmulatorWithClient(() => ({ scenario: serveScenario() }));
}

/** As useMediaSamplesEmulator, a fresh one per call, closed after the test. */
export function useMediaSamplesEmulators(): () => Promise<EmulatorWithClient> {
  const emulator = useEmulatorsWithClients();
  return () => emulator({ scenario: serveScenario() });
}

export interface Built extends EmulatorWithClient {
  lib: Library;
  /** Paths of the two query images, written into the directory given. */
  images: { butterfly: string; testCard: string };
}

/** data/media-samples built into `dir`/lib through `emulator` (2 s clips, with metadata per video); the caller closes `lib`. */
export async function buildMediaSamples(dir: string, emulator: EmulatorWithClient): Promise<Built> {
  const { emu, client } = emulator;
  const lib = await openLibrary(join(dir, 'lib'), { create: true, client });
  await writeFile(
    join(dir, 'inputs.jsonl'),
    ['bbb-3sec.mp4', 'test-card-16x9.avi', 'test-tone.wav']
      .map((file, i) =>
        JSON.stringify({
          source: join(MEDIA_SAMPLES, file),
          metadata: { kind: i === 2 ? 'audio' : 'video', order: i },
        }),
      )
      .join('\n'),
  );
  const summary = await lib.build([join(dir, 'inputs.jsonl')], { clipLengthSec: 2 });
  if (summary.failures.length > 0) throw new Error(`build failed: ${JSON.stringify(summary.failures)}`);
  const butterfly = join(dir, 'butterfly.png');
  const testCard = join(dir, 'test-card.png');
  await writeFile(butterfly, BUTTERFLY_PNG);
  await writeFile(testCard, TEST_CARD_PNG);
  return { emu, client, lib, images: { butterfly, testCard } };
}

export interface Served extends Built {
  server: RunningSearchServer;
  close(): Promise<void>;
}

/** The media samples' library, served by `vsearch serve` in this process with `emulator` upstream; close() stops the server and the library. */
export async function serveMediaSamples(
  dir: string,
  emulator: EmulatorWithClient,
  options: Omit<SearchServerOptions, 'library'> = {},
): Promise<Served> {
  const built = await buildMediaSamples(dir, emulator);
  const server = await startSearchServer({ library: built.lib, ...options });
  return {
    ...built,
    server,
    async close() {
      await server.close();
      await built.lib.close();
    },
  };
}

/** A search form with the API's field names; arrays become repeated fields. */
export function searchForm(
  fields: Record<string, string | number | boolean | readonly string[]>,
  files: { name: string; bytes: Buffer; filename: string }[] = [],
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) for (const item of value as readonly string[]) form.append(name, item);
    else form.append(name, String(value));
  }
  for (const file of files) form.append(file.name, new Blob([file.bytes], { type: 'image/png' }), file.filename);
  return form;
}

export interface ApiError {
  code: string;
  message: string;
}

/** POST /search with fetch; the parsed body and status. */
export async function postSearch<T = unknown>(
  server: { url: string },
  form: FormData,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/search`, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as T };
}

export async function getPage<T = unknown>(
  server: { url: string },
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/search/${encodeURIComponent(token)}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

/** Every hit of a search as the library answers it in one page (the reference for the server's pages). */
export async function allHits(
  lib: Library,
  request: SearchRequest,
): Promise<{ video_id: string; start: number; end: number; embedding_option: string; score: number }[]> {
  const response = await lib.search({ ...request, pageLimit: 50 });
  return response.data;
}

export const keyOf = (hit: { video_id: string; start: number; embedding_option: string }): string =>
  `${hit.video_id}@${hit.start}/${hit.embedding_option}`;
