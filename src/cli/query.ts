import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { openLibrary } from '../library/index.js';
import { formatTimeRange, MAX_PAGE_LIMIT, parseSearchFilter, queryInputsOf, THRESHOLDS, type SearchRequest, type SearchResponse, type Threshold } from '../query/index.js';
import { baseUrlOption } from './api-options.js';
import { collect, info, jsonOption, libOption, parseInteger, parseNumber, printJson } from './shared-options.js';
import { parseRecallTarget, useRecallTarget } from './query-recall.js';
import { readVectorFile } from './vector-file.js';

interface QueryFlags {
  lib: string;
  image?: string[];
  audio?: string[];
  video?: string[];
  vector?: string;
  like?: string;
  searchOptions?: string;
  groupBy?: string;
  operator?: string;
  limit?: string;
  minScore?: string;
  threshold?: string;
  filter?: string;
  pageToken?: string;
  mergeAdjacent?: boolean;
  offline?: boolean;
  recall?: string;
  baseUrl?: string;
  json?: boolean;
}

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('search the library: by text, image, audio or video, a raw vector, or a stored segment')
    .argument('[text]', 'query text')
    .addOption(libOption())
    .option('--image <path|url>', 'image query; repeatable', collect)
    .option('--audio <path|url>', 'audio query; repeatable', collect)
    .option('--video <path|url>', 'video query; repeatable', collect)
    .option('--vector <file>', 'a query vector: JSON array, {"embedding": [...]} or {"float": [...]}')
    .option('--like <video_id[@sec]>', 'search with a stored segment of a video (the one at SEC, else its first)')
    .option('--search-options <list>', 'comma-separated: visual, audio, transcription')
    .option('--group-by <clip|video>', 'one hit per clip (default) or per video with its best clips')
    .option('--operator <or|and>', 'how several queries combine (default or)')
    .option('--limit <n>', `hits per page, 1-${MAX_PAGE_LIMIT} (default 10)`)
    .option('--min-score <x>', 'drop hits whose cosine similarity is below x')
    .option('--threshold <level>', `keep hits of at least this confidence: ${THRESHOLDS.join(', ')} (default none)`)
    .option('--filter <json>', 'the search API\'s filter: {"id": [...], "duration": {"gte": 60}, "filename": "x.mp4", "<metadata key>": value}')
    .option('--merge-adjacent', 'merge consecutive matching clips of a video into one hit')
    .option('--page-token <token>', 'the page a next or previous page token names (the query itself comes from the token)')
    .option('--offline', 'never call the API; queries must be cached')
    .option('--recall <target>', 'search with the ef calibrated for this recall@10, e.g. 0.99 (calibrates and stores it first when needed)')
    .addOption(baseUrlOption())
    .addOption(jsonOption())
    .action(async (text: string | undefined, flags: QueryFlags) => {
      const request = await requestFrom(text, flags);
      // Only a query to embed may call the API: a search by vector or --like never loads the client.
      const embeds = !flags.offline && (request.pageToken === undefined ? queryInputsOf(request).length > 0 : false);
      const client = embeds ? (await import('./api-client.js')).clientFromEnvironment({ baseUrl: flags.baseUrl }) : undefined;
      const recall = flags.recall === undefined ? undefined : parseRecallTarget(flags.recall);
      const lib = await openLibrary(flags.lib, { client });
      try {
        if (recall !== undefined) await useRecallTarget(lib, recall, request);
        const response = await lib.search(request);
        if (flags.json) printJson(response);
        else {
          process.stdout.write(formatHuman(response));
          const next = response.page_info.next_page_token;
          if (next !== undefined) info(`next page: vsearch query --page-token ${next}`);
        }
      } finally {
        await lib.close();
        await client?.close();
      }
    });
}

async function requestFrom(text: string | undefined, flags: QueryFlags): Promise<SearchRequest> {
  const groupBy = flags.groupBy;
  if (groupBy !== undefined && groupBy !== 'clip' && groupBy !== 'video') throw new InputError(`--group-by must be clip or video, got ${JSON.stringify(groupBy)}`);
  const operator = flags.operator;
  if (operator !== undefined && operator !== 'or' && operator !== 'and') throw new InputError(`--operator must be or or and, got ${JSON.stringify(operator)}`);
  const threshold = flags.threshold;
  if (threshold !== undefined && !(THRESHOLDS as readonly string[]).includes(threshold)) {
    throw new InputError(`--threshold must be one of ${THRESHOLDS.join(', ')}, got ${JSON.stringify(threshold)}`);
  }
  if (flags.pageToken !== undefined) return { pageToken: flags.pageToken };
  return {
    text,
    image: flags.image,
    audio: flags.audio,
    video: flags.video,
    vector: flags.vector === undefined ? undefined : await readVectorFile(flags.vector),
    like: flags.like,
    searchOptions: flags.searchOptions?.split(',').map((option) => option.trim()).filter((option) => option !== ''),
    groupBy,
    operator,
    pageLimit: flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1, MAX_PAGE_LIMIT),
    minScore: flags.minScore === undefined ? undefined : parseNumber('--min-score', flags.minScore),
    threshold: threshold as Threshold | undefined,
    filter: flags.filter === undefined ? undefined : filterFlag(flags.filter),
    mergeAdjacent: flags.mergeAdjacent ?? false,
    offline: flags.offline ?? false,
  };
}

function filterFlag(text: string): SearchRequest['filter'] {
  try {
    return parseSearchFilter(text);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`--filter: ${error.message}`);
    throw error;
  }
}

export function formatHuman(response: SearchResponse): string {
  if (response.data.length === 0) return 'no results\n';
  const lines: string[] = [];
  for (const hit of response.data) {
    lines.push(`${String(hit.rank).padStart(3)}  ${hit.video_id}  ${formatTimeRange(hit.start, hit.end)}  ${hit.score.toFixed(4)}  ${hit.confidence}  ${hit.embedding_option}`);
    if ('clips' in hit) {
      for (const clip of hit.clips) lines.push(`       ${formatTimeRange(clip.start, clip.end)}  ${clip.score.toFixed(4)}  ${clip.embedding_option}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
