import type { Command } from 'commander';
import { hnswlibBinding } from '../index/hnswlib-binding.js';
import { openLibrary } from '../library/index.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('what a library holds: videos, segments, model, index parameters, bytes on disk')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (flags: { lib: string; json?: boolean }) => {
      const lib = await openLibrary(flags.lib, { onWarning: (message) => info(`warning: ${message}`) });
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
          `on disk     ${stats.bytes} bytes`,
          `hnswlib     ${hnswlibBinding().build} build (${hnswlibBinding().detail})`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await lib.close();
      }
    });
}
