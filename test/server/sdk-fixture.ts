import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwelveLabs } from 'twelvelabs-js';
import { LibraryRoot } from '../../src/library/index.js';
import { type RequestLogEntry, type RunningSearchServer, startSearchServer } from '../../src/server/index.js';
import { API_KEY } from '../build/emulator-fixture.js';
import { type Built, buildMediaSamples } from './serve-fixture.js';

export interface SdkServed {
  /** The root served: the media samples' library in `dir`/lib, the indexes the SDK makes beside it. */
  dir: string;
  built: Built;
  server: RunningSearchServer;
  /** The official SDK, reaching the server through TWELVELABS_BASE_URL as an app would. */
  sdk: TwelveLabs;
  /** Stops everything, puts TWELVELABS_BASE_URL back and removes `dir`. */
  close(): Promise<void>;
}

/**
 * The media samples built into a temp folder through the emulator, served as `vsearch serve --root`
 * with `serveKey` and the emulator upstream, and the SDK pointed at it.
 */
export async function serveRootToSdk(
  serveKey: string,
  onRequest?: (entry: RequestLogEntry) => void,
): Promise<SdkServed> {
  const savedBaseUrl = process.env['TWELVELABS_BASE_URL'];
  const dir = await mkdtemp(join(tmpdir(), 'vsearch-serve-sdk-'));
  let built: Built | undefined;
  let server: RunningSearchServer | undefined;
  const close = async (): Promise<void> => {
    if (savedBaseUrl === undefined) delete process.env['TWELVELABS_BASE_URL'];
    else process.env['TWELVELABS_BASE_URL'] = savedBaseUrl;
    await server?.close();
    await built?.lib.close();
    await built?.client.close();
    await built?.emu.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    built = await buildMediaSamples(dir);
    const root = await LibraryRoot.open(dir, { client: built.client });
    server = await startSearchServer({
      root,
      apiKey: serveKey,
      upstream: { baseUrl: built.emu.baseUrl, apiKey: API_KEY },
      ...(onRequest === undefined ? {} : { onRequest }),
    });
    process.env['TWELVELABS_BASE_URL'] = server.url;
    return { dir, built, server, sdk: new TwelveLabs({ apiKey: serveKey }), close };
  } catch (error) {
    await close();
    throw error;
  }
}
