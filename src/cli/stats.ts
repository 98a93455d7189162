import type { Command } from 'commander';
import { hnswlibBinding } from '../index/hnswlib-binding.js';
import { isPgLibraryUrl, type LibraryStats, openLibrary } from '../library/index.js';
import { PG_MAX_EF_SEARCH } from '../pg/ef-search-limit.js';
import { redactUrl } from '../pg/redact.js';
import type { IndexSettings } from '../store/manifest.js';
import { formatBytes } from './format-bytes.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('what a library holds: videos, segments, model, index parameters, bytes on disk')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (flags: { lib: string; json?: boolean }) => {
      const postgres = isPgLibraryUrl(flags.lib);
      const lib = await openLibrary(flags.lib, { onWarning: (message) => info(`warning: ${escapeText(message)}`) });
      try {
        const stats = await lib.stats();
        const { build, detail } = hnswlibBinding();
        if (flags.json) {
          printJson(postgres ? stats : { ...stats, hnswlib: { build, detail } });
          return;
        }
        const { memory } = stats;
        const graph = memory.graph_bytes > 0 ? ` + ${formatBytes(memory.graph_bytes)} HNSW graph` : '';
        const local = [
          `on disk     ${formatBytes(stats.bytes)}`,
          `memory      ${formatBytes(memory.vectors_bytes + memory.graph_bytes)} to search (${formatBytes(memory.vectors_bytes)} vectors${graph}) of this machine's ${formatBytes(memory.machine_bytes)}`,
          `hnswlib     ${build} build (${detail})`,
        ];
        const inDatabase = [
          `ef_search   pgvector takes at most ${PG_MAX_EF_SEARCH}: a search asking more runs at ${PG_MAX_EF_SEARCH}`,
          "stored in   PostgreSQL: its bytes, memory and HNSW graph are the server's, not in these stats",
        ];
        const lines = [
          `library     ${escapeText(postgres ? redactUrl(flags.lib) : flags.lib)} (${stats.index_id})`,
          stats.model === null
            ? 'model       none yet: the library is empty (add media or --from files with vsearch build)'
            : `model       ${escapeText(stats.model)} (${stats.dimension ?? '-'}-d)`,
          `videos      ${stats.videos}`,
          `segments    ${stats.segments}`,
          `duration    ${stats.total_duration.toFixed(1)} s`,
          `index       ${describeIndex(stats.index, lib.manifest.index)}`,
          ...searchEfLines(stats),
          ...(postgres ? inDatabase : local),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await lib.close();
      }
    });
}

/** HNSW parameters only where an HNSW graph is searched: an exact scan has none. */
function describeIndex(index: LibraryStats['index'], settings: Readonly<IndexSettings>): string {
  if (index.kind === 'hnsw')
    return `HNSW, ${index.count} vectors, M=${index.M} efConstruction=${index.efConstruction} ef=${index.ef}${crossModalLinks(index.cross_modal_links)}`;
  const from = settings.kind === 'auto' ? `; an HNSW graph takes over from ${settings.exactBelow} segments` : '';
  if (index.kind === 'exact') return `exact scan of ${index.count} vectors (every search has recall 1${from})`;
  return `none yet (no segments${from})`;
}

const SOURCE_NAMES = {
  cached: 'cached queries',
  sample: 'your sample',
  own: "the library's own vectors (optimistic)",
} as const;

/** One line per query modality: the ef its searches use and what that rests on. */
function searchEfLines(stats: LibraryStats): string[] {
  if (stats.index.kind !== 'hnsw') return [];
  const calibration = stats.index.calibration;
  const head =
    calibration === undefined
      ? []
      : [
          `calibrated  recall@${calibration.k} >= ${calibration.target} at ${calibration.segments} segments, ${calibration.calibratedAt}`,
        ];
  return [
    ...head,
    ...Object.entries(stats.index.search_ef).map(([modality, use]) => {
      const why =
        use.basis === 'fixed'
          ? 'set by setSearchEf'
          : use.basis === 'calibrated'
            ? `recall@${calibration?.k ?? 10} ${use.recall ?? '?'} measured on ${use.queries ?? '?'} of ${use.source === undefined ? '?' : SOURCE_NAMES[use.source]}`
            : 'default for this size, recall not measured';
      return `  ${`${modality} queries`.padEnd(15)} ef=${use.ef} (${why})`;
    }),
  ];
}

function crossModalLinks(links: LibraryStats['index']['cross_modal_links']): string {
  return links === undefined ? '' : `, ${links.links} cross-modal links projected from ${links.queries} cached queries`;
}
