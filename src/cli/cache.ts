import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { isPgLibraryUrl, openLibrary } from '../library/index.js';
import { originOf, type QueryInput } from '../query/index.js';
import { type CacheEntry, type DamagedCacheFile, QueryCache, SegmentStore } from '../store/index.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';
import { readVectorFile } from './vector-file.js';

/** What `--origin` and the listing call an entry whose origin was not kept. */
const UNKNOWN_ORIGIN = 'unknown';

interface AddFlags {
  lib: string;
  text?: string;
  image?: string;
  audio?: string;
  video?: string;
  vector?: string;
  origin?: string;
  json?: boolean;
}

/** `vsearch cache list|clear|add`: the query cache, keyed by model, modality, content and the origin that embedded it. */
export function registerCacheCommand(program: Command): void {
  const cache = program
    .command('cache')
    .description('the query cache: embeddings of queries already paid for, by model, modality, content and API origin');
  cache
    .command('list')
    .description('list the cached queries')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (flags: { lib: string; json?: boolean }) => {
      const damaged: DamagedCacheFile[] = [];
      const entries = await withQueryCache(flags.lib, (queryCache) =>
        queryCache.entries({ onDamaged: (file) => damaged.push(file) }),
      );
      if (flags.json) printJson({ entries: entries.map(entryJson), damaged });
      else {
        process.stdout.write(entries.length === 0 ? 'no cached queries\n' : `${entries.map(entryLine).join('\n')}\n`);
        for (const file of damaged)
          info(
            `damaged cache file ${file.file}: ${file.problem} (never searched; the query is embedded again when asked)`,
          );
      }
    });
  cache
    .command('clear')
    .description('remove cached queries (all of them, or those of one origin and/or modality)')
    .addOption(libOption())
    .option('--origin <origin>', `only entries embedded through this API (base URL or origin), or "${UNKNOWN_ORIGIN}"`)
    .option('--modality <m>', 'only entries of this modality: text, image, audio or video')
    .addOption(jsonOption())
    .action(async (flags: { lib: string; origin?: string; modality?: string; json?: boolean }) => {
      const origin =
        flags.origin === undefined
          ? undefined
          : flags.origin === UNKNOWN_ORIGIN
            ? null
            : originOf(flags.origin, '--origin');
      if (flags.modality !== undefined && !['text', 'image', 'audio', 'video'].includes(flags.modality)) {
        throw new InputError(`--modality must be text, image, audio or video, got ${JSON.stringify(flags.modality)}`);
      }
      const removed = await withQueryCache(flags.lib, (queryCache) =>
        queryCache.clear({ origin, modality: flags.modality }),
      );
      if (flags.json) printJson({ removed });
      else info(`removed ${removed} cached ${removed === 1 ? 'query' : 'queries'}`);
    });
  cache
    .command('add')
    .description('put a known query embedding in the cache, so searches by that query need no API call (e.g. offline)')
    .addOption(libOption())
    .option('--text <text>', 'the query text')
    .option('--image <file|url>', "the query image (keyed by the file's bytes, or the URL)")
    .option('--audio <file|url>', 'the query audio')
    .option('--video <file|url>', 'the query video')
    .requiredOption('--vector <file>', 'its embedding: a JSON array, {"embedding": [...]} or {"float": [...]}')
    .option(
      '--origin <origin>',
      `the API that embedded it (base URL or origin); searches through that API then use it. Default: ${UNKNOWN_ORIGIN}, used only offline`,
    )
    .addOption(jsonOption())
    .action(async (flags: AddFlags) => {
      const input = inputOf(flags);
      const vector = await readVectorFile(flags.vector as string);
      const lib = await openLibrary(flags.lib);
      try {
        await lib.cacheQuery(input, vector, { origin: flags.origin });
      } finally {
        await lib.close();
      }
      const origin = flags.origin === undefined ? UNKNOWN_ORIGIN : originOf(flags.origin, '--origin');
      if (flags.json)
        printJson({ added: { modality: input.modality, origin: flags.origin === undefined ? null : origin } });
      else info(`cached the ${input.modality} query (origin ${origin})`);
    });
}

/**
 * Runs `use` on the query cache of the library at `lib`: a folder's own, or the local folder a
 * PostgreSQL library keeps its query embeddings in (the one `cache add` writes to). Opening the
 * store or the database proves `lib` is a library (and says so clearly when it is not).
 */
async function withQueryCache<T>(lib: string, use: (queryCache: QueryCache) => Promise<T>): Promise<T> {
  if (!isPgLibraryUrl(lib)) return use(new QueryCache((await SegmentStore.open(lib)).dir));
  const library = await openLibrary(lib);
  try {
    return await use(library.queryCache);
  } finally {
    await library.close();
  }
}

function inputOf(flags: AddFlags): QueryInput {
  const given: QueryInput[] = [];
  if (flags.text !== undefined) {
    if (flags.text.trim() === '') throw new InputError('--text is empty');
    given.push({ modality: 'text', text: flags.text });
  }
  for (const modality of ['image', 'audio', 'video'] as const) {
    const source = flags[modality];
    if (source !== undefined) given.push({ modality, source });
  }
  const [input, ...more] = given;
  if (input === undefined || more.length > 0)
    throw new InputError('cache add takes exactly one query: --text, --image, --audio or --video');
  return input;
}

function entryJson(entry: CacheEntry): Record<string, unknown> {
  return {
    model: entry.key.model,
    modality: entry.key.modality,
    origin: entry.key.origin,
    content_id: entry.key.contentSha256.slice(0, 12),
    content_sha256: entry.key.contentSha256,
    dimension: entry.vector.length,
    created_at: entry.createdAt,
    file: entry.file,
  };
}

function entryLine(entry: CacheEntry): string {
  return [
    entry.key.model,
    entry.key.modality.padEnd(5),
    entry.key.origin ?? UNKNOWN_ORIGIN,
    entry.key.contentSha256.slice(0, 12),
    entry.createdAt ?? '-',
  ].join('  ');
}
