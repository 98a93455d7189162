import { TwelveLabs } from 'twelvelabs-js';
import { LibraryRoot } from '../../src/library/index.js';
import { type RunningSearchServer, type SearchServerOptions, startSearchServer } from '../../src/server/index.js';
import { API_KEY, type EmulatorWithClient } from '../build/emulator-fixture.js';
import { type Built, buildMediaSamples } from './serve-fixture.js';

/** `vsearch serve --root` over the media samples with the emulator upstream, and the official SDK pointed at it. */
export interface SdkOnRoot {
  dir: string;
  built: Built;
  server: RunningSearchServer;
  sdk: TwelveLabs;
  close(): Promise<void>;
}

/**
 * Builds the media samples into the empty folder `dir` (the caller removes it) through `emulator`,
 * serves it with `serveKey` (that emulator upstream, its own key), and sets TWELVELABS_BASE_URL for the SDK
 * (twelvelabs-js reads it); close() restores it.
 */
export async function sdkOnRoot(
  dir: string,
  emulator: EmulatorWithClient,
  serveKey: string,
  extra: Pick<SearchServerOptions, 'onRequest'> = {},
): Promise<SdkOnRoot> {
  const savedBaseUrl = process.env['TWELVELABS_BASE_URL'];
  let built: Built | undefined;
  let server: RunningSearchServer | undefined;
  const close = async (): Promise<void> => {
    if (savedBaseUrl === undefined) delete process.env['TWELVELABS_BASE_URL'];
    else process.env['TWELVELABS_BASE_URL'] = savedBaseUrl;
    await server?.close();
    await built?.lib.close();
  };
  try {
    built = await buildMediaSamples(dir, emulator);
    server = await startSearchServer({
      root: await LibraryRoot.open(dir, { client: built.client }),
      apiKey: serveKey,
      upstream: { baseUrl: built.emu.baseUrl, apiKey: API_KEY },
      ...extra,
    });
    process.env['TWELVELABS_BASE_URL'] = server.url;
    return { dir, built, server, sdk: new TwelveLabs({ apiKey: serveKey }), close };
  } catch (error) {
    // A setup that fails half-way (the build, the server) still stops what it started.
    await close();
    throw error;
  }
}
