import type { Command } from 'commander';
import { hnswlibBinding } from '../index/hnswlib-binding.js';
import { openLibrary } from '../library/index.js';
import type { LibraryStats } from '../library/stats.js';
import { jsonOption, libOption, printJson } from './shared-options.js';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('what a library holds: videos, segments, model, index parameters, bytes on disk')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (flags: { lib: string; json?: boolean }) => {
      const lib = await openLibrary(flags.lib);
      try {
        const stats = await lib.stats();
        if (flags.json) {
          printJson(stats);
          return;
        }
        const lines = [
          `library     ${flags.lib} (${stats.index_id})`,
          `model       ${stats.model ?? '-'} (${stats.dimension ?? '-'}-d)`,
          `videos      ${stats.videos}`,
          `segments    ${stats.segments}`,
          `duration    ${stats.total_duration.toFixed(1)} s`,
          `index       ${stats.index.kind}, ${stats.index.count} vectors, M=${stats.index.M} efConstruction=${stats.index.efConstruction} ef=${stats.index.ef}`,
          ...searchEfLines(stats),
          `on disk     ${stats.bytes} bytes`,
          `hnswlib     ${hnswlibBinding().build} build (${hnswlibBinding().detail})`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await lib.close();
      }
    });
}

const SOURCE_NAMES = { cached: 'cached queries', sample: 'your sample', own: "the library's own vectors (optimistic)" } as const;

/** One line per query modality: the ef its searches use and what that rests on. */
function searchEfLines(stats: LibraryStats): string[] {
  if (stats.index.kind === 'exact') return ['search      exact: every query gets recall 1'];
  const calibration = stats.index.calibration;
  const head = calibration === undefined ? [] : [`calibrated  recall@${calibration.k} >= ${calibration.target} at ${calibration.segments} segments, ${calibration.calibratedAt}`];
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
