/**
 * A strict consumer of the package: imports only from `vsearch` (the package entry, resolved
 * through package.json "exports" to dist/vsearch.d.ts), names the types it passes and gets,
 * builds a library from media with an exported client, searches it and prints what it found.
 * test/types/public-api.test.ts compiles it and runs it against the emulator.
 */
import {
  type BuildOptions,
  type BuildProgress,
  type BuildSummary,
  type ClipHit,
  InputError,
  type Library,
  type OpenLibraryOptions,
  openLibrary,
  type PageInfo,
  type QueryCache,
  type SearchFilter,
  type SearchRequest,
  type SearchResponse,
  type Threshold,
  TwelveLabsClient,
  type TwelveLabsClientOptions,
  type VideoHit,
  VsearchError,
} from 'vsearch';

const [libraryDir, media, baseUrl, apiKey] = process.argv.slice(2);
if (libraryDir === undefined || media === undefined || baseUrl === undefined || apiKey === undefined) {
  throw new Error('usage: consumer LIBRARY_DIR MEDIA BASE_URL API_KEY');
}

const clientOptions: TwelveLabsClientOptions = { apiKey, baseUrl, env: {} };
const client = new TwelveLabsClient(clientOptions);
const libraryOptions: OpenLibraryOptions = { create: true, client };
const lib: Library = await openLibrary(libraryDir, libraryOptions);
try {
  const progress: BuildProgress[] = [];
  const buildOptions: BuildOptions = {
    concurrency: 1,
    metadata: { source: 'consumer' },
    onProgress: (p) => progress.push(p),
  };
  const summary: BuildSummary = await lib.build([media], buildOptions);

  const threshold: Threshold = 'none';
  const filter: SearchFilter = { source: 'consumer' };
  const request: SearchRequest = { text: 'a white rabbit in a meadow', threshold, filter, pageLimit: 5 };
  const clips: SearchResponse = await lib.search(request);
  const pageInfo: PageInfo = clips.page_info;
  const firstClip: ClipHit | undefined = clips.data[0];

  const videos: SearchResponse = await lib.search({ ...request, groupBy: 'video' });
  const firstVideo = videos.data[0] as VideoHit | undefined;

  const cache: QueryCache = lib.queryCache;
  const cached = await cache.entries();

  let refused = '';
  try {
    await lib.search({ text: 'x', pageLimit: 0 });
  } catch (error) {
    if (error instanceof InputError) refused = error.name;
    else throw error;
  }

  console.log(
    JSON.stringify({
      videos: summary.videos,
      segments: summary.segments,
      failures: summary.failures.length,
      progressCalls: progress.length,
      totalResults: pageInfo.total_results,
      firstClip:
        firstClip === undefined
          ? null
          : { video_id: firstClip.video_id, start: firstClip.start, end: firstClip.end, metadata: firstClip.metadata },
      firstVideoClips: firstVideo?.clips.length ?? null,
      cachedQueries: cached.length,
      refused,
      isVsearchError: refused === '' ? null : new InputError('x') instanceof VsearchError,
    }),
  );
} finally {
  await lib.close();
}
