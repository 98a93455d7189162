import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { AnnotatedHit, ModeSearchRequest, ModeSearchResponse, SearchMode } from '../lexical/mode-search.js';
import type { OptionFusion } from '../lexical/option-fusion.js';
import { openLibrary } from '../library/index.js';
import { redactUrl } from '../pg/redact.js';
import {
  type ClipHit,
  type GroupBy,
  MAX_PAGE_LIMIT,
  type Operator,
  parseSearchFilter,
  type SearchRequest,
  type SearchResponse,
  THRESHOLDS,
  type Threshold,
  type VideoHit,
} from '../query/index.js';
import { baseUrlOption } from './api-options.js';
import { assertQueryMedia } from './query-media.js';
import { parseRecallTarget, useRecallTarget } from './query-recall.js';
import { collect, info, jsonOption, libOption, parseInteger, parseNumber, printJson } from './shared-options.js';
import { readVectorFile } from './vector-file.js';
import { parseWeights } from './weights-flag.js';

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
  mode?: string;
  fusion?: string;
  weights?: string;
  baseUrl?: string;
  json?: boolean;
}

const QUERY_EXAMPLES = `
Examples:
  vsearch query "a dog on a skateboard" --limit 5
  vsearch query --image ./frame.jpg --group-by video --json
  vsearch query --vector query.json --filter '{"collection": "nature"}' --min-score 0.2
  cat query.json | vsearch query --vector -
  vsearch query --like island.mp4@6 --search-options visual
  vsearch query --page-token TOKEN
  vsearch query "I live on an island on the back of a whale" --mode text
  vsearch query "sailor sings" --mode hybrid --weights vector=0.3,text=0.7
  vsearch query "a dog barks" --fusion weighted --weights visual=0.6,audio=0.4
  vsearch query "a fight" --filter '{"annotations.mood": "tense"}'
`;

/** The flags that shape a search: a page token carries its own, so none of them may come with one. */
const SEARCH_FLAGS: ReadonlyArray<readonly [keyof QueryFlags, string]> = [
  ['image', '--image'],
  ['audio', '--audio'],
  ['video', '--video'],
  ['vector', '--vector'],
  ['like', '--like'],
  ['searchOptions', '--search-options'],
  ['groupBy', '--group-by'],
  ['operator', '--operator'],
  ['limit', '--limit'],
  ['minScore', '--min-score'],
  ['threshold', '--threshold'],
  ['filter', '--filter'],
  ['mergeAdjacent', '--merge-adjacent'],
  ['recall', '--recall'],
  ['mode', '--mode'],
  ['fusion', '--fusion'],
  ['weights', '--weights'],
];

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
    .option(
      '--filter <json>',
      'the search API\'s filter: {"id": [...], "duration": {"gte": 60}, "filename": "x.mp4", "<metadata key>": value}',
    )
    .option('--merge-adjacent', 'merge consecutive matching clips of a video into one hit')
    .option(
      '--page-token <token>',
      'the page a next or previous page token names (the query itself comes from the token)',
    )
    .option('--offline', 'never call the API; queries must be cached')
    .option(
      '--mode <vector|text|hybrid>',
      'vector search, BM25 over annotation text, or both fused (default: hybrid when the library holds annotations and the query has text)',
    )
    .option(
      '--fusion <max|rrf|weighted>',
      'one hit per moment across embedding options: best cosine, reciprocal rank (k = 60) or weighted cosines (default: one hit per option)',
    )
    .option(
      '--weights <list>',
      'weights of --fusion weighted (visual=0.6,audio=0.2,transcription=0.2) and of the hybrid mode (vector=X,text=Y: weighted instead of reciprocal rank)',
    )
    .option(
      '--recall <target>',
      'search with the ef calibrated for this recall@10, e.g. 0.99 (calibrates and stores it first when needed)',
    )
    .addOption(baseUrlOption())
    .addOption(jsonOption())
    .addHelpText('after', QUERY_EXAMPLES)
    .action(async (text: string | undefined, flags: QueryFlags, command: Command) => {
      const request = await requestFrom(text, flags);
      // Only a query to embed may call the API: a search by vector or --like never loads the client.
      const embeds =
        !flags.offline &&
        [request.text, request.image, request.audio, request.video].some((input) => input !== undefined);
      const client = embeds
        ? (await import('./api-client.js')).clientFromEnvironment({ baseUrl: flags.baseUrl })
        : undefined;
      const recall = flags.recall === undefined ? undefined : parseRecallTarget(flags.recall);
      const lib = await openLibrary(flags.lib, {
        client,
        onWarning: (message) => info(`warning: ${escapeText(message)}`),
      });
      try {
        if (recall !== undefined) await useRecallTarget(lib, recall, request);
        const response = await lib.query(request);
        if (flags.json) printJson(response);
        else {
          process.stdout.write(formatHuman(response));
          const libFlag =
            command.getOptionValueSource('lib') === 'cli'
              ? ` --lib ${escapeText(shellQuote(redactUrl(flags.lib)))}`
              : '';
          const { prev_page_token: prev, next_page_token: next } = response.page_info;
          if (prev !== undefined) info(`previous page: vsearch query --page-token ${prev}${libFlag}`);
          if (next !== undefined) info(`next page: vsearch query --page-token ${next}${libFlag}`);
          const unavailable = response.page_info.paging_unavailable;
          if (unavailable !== undefined) info(`warning: ${escapeText(unavailable)}`);
        }
      } finally {
        await lib.close();
        await client?.close();
      }
    });
}

async function requestFrom(text: string | undefined, flags: QueryFlags): Promise<ModeSearchRequest> {
  if (flags.pageToken !== undefined) {
    if (text !== undefined)
      throw new InputError(
        `--page-token replays its own search, so it takes no query text (got ${JSON.stringify(text)}); run the new query without --page-token`,
      );
    const extra = SEARCH_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
    if (extra.length > 0)
      throw new InputError(
        `--page-token replays the search it came from with that search's options, so it cannot be combined with ${extra.join(', ')}; run a new query to change them`,
      );
    return { pageToken: flags.pageToken };
  }
  await assertQueryMedia({ image: flags.image, audio: flags.audio, video: flags.video });
  return {
    text,
    image: flags.image,
    audio: flags.audio,
    video: flags.video,
    vector: flags.vector === undefined ? undefined : await readVectorFile(flags.vector),
    like: flags.like,
    searchOptions: flags.searchOptions
      ?.split(',')
      .map((option) => option.trim())
      .filter((option) => option !== ''),
    // The library checks these options (and `mode`, `fusion`); main.ts names them as flags in its errors.
    groupBy: flags.groupBy as GroupBy | undefined,
    operator: flags.operator as Operator | undefined,
    pageLimit: flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 1, MAX_PAGE_LIMIT),
    minScore: flags.minScore === undefined ? undefined : parseNumber('--min-score', flags.minScore),
    threshold: flags.threshold as Threshold | undefined,
    filter: flags.filter === undefined ? undefined : filterFlag(flags.filter),
    mergeAdjacent: flags.mergeAdjacent ?? false,
    offline: flags.offline ?? false,
    ...hybridFlags(flags),
  };
}

/** A path as it may be pasted into a POSIX shell. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function filterFlag(text: string): SearchRequest['filter'] {
  try {
    return parseSearchFilter(text);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`--filter: ${error.message}`);
    throw error;
  }
}

/**
 * One line per hit (and per listed clip under a video). The embedding scope is shown on every
 * line when some line is not a clip (a video ranked by its whole-video vector), so such a line
 * is never read as a clip.
 */
export function formatHuman(response: SearchResponse | ModeSearchResponse): string {
  if (response.data.length === 0) return 'no results\n';
  const hits: readonly ((ClipHit | VideoHit) & Pick<AnnotatedHit, 'annotations'>)[] = response.data;
  const showScope = hits.some(
    (hit) =>
      hit.embedding_scope !== 'clip' || ('clips' in hit && hit.clips.some((clip) => clip.embedding_scope !== 'clip')),
  );
  const scope = (hit: { embedding_scope: string }): string => (showScope ? `  ${hit.embedding_scope}` : '');
  const lines: string[] = [];
  for (const hit of hits) {
    const columns = [
      String(hit.rank).padStart(3),
      escapeText(hit.video_id),
      formatTimeRange(hit.start, hit.end),
      hit.score.toFixed(4),
      hit.confidence,
      escapeText(hit.embedding_option),
    ];
    lines.push(`${columns.join('  ')}${scope(hit)}`);
    for (const a of hit.annotations ?? [])
      lines.push(
        `       ${formatTimeRange(a.start, a.end)}  ${escapeText(a.definition)}: ${escapeText(a.text.length > 160 ? `${a.text.slice(0, 157)}...` : a.text)}`,
      );
    if ('clips' in hit) {
      for (const clip of hit.clips)
        lines.push(
          `       ${formatTimeRange(clip.start, clip.end)}  ${clip.score.toFixed(4)}  ${escapeText(clip.embedding_option)}${scope(clip)}`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}

function hybridFlags(flags: QueryFlags): Pick<ModeSearchRequest, 'mode' | 'fusion' | 'weights'> {
  const { mode, fusion } = flags;
  const weights =
    flags.weights === undefined
      ? undefined
      : parseWeights(flags.weights, ['visual', 'audio', 'transcription', 'visual-text', 'vector', 'text']);
  const optionWeights = weights !== undefined && Object.keys(weights).some((key) => key !== 'vector' && key !== 'text');
  if (optionWeights && fusion !== 'weighted')
    throw new InputError(
      '--weights visual=..,audio=.. weighs the weighted option fusion: add --fusion weighted (vector=..,text=.. weigh the hybrid mode)',
    );
  return {
    ...(mode === undefined ? {} : { mode: mode as SearchMode }),
    ...(fusion === undefined ? {} : { fusion: fusion as OptionFusion }),
    ...(weights === undefined ? {} : { weights }),
  };
}

/** 75.4 -> "01:15"; hours when needed: 3725 -> "1:02:05". */
export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export function formatTimeRange(start: number, end: number): string {
  return `${formatTimestamp(start)}-${formatTimestamp(end)}`;
}

/** C0 controls, DEL and C1 controls: what a terminal may act on instead of showing. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * Text from the library or the user (video ids, sources, paths, metadata) as it may be
 * printed in human output: control characters become JSON-style escapes (\n, \u001b), so an
 * id cannot start a fake result line or send a terminal escape sequence. Backslashes are left
 * as they are (Windows paths stay readable), so the escaped form is for reading, not parsing:
 * `--json` gives the exact values.
 */
export function escapeText(text: string): string {
  return text.replace(CONTROL, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
