import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { openLibrary } from '../library/index.js';
import type { Metadata } from '../types.js';
import { collect, info, jsonOption, libOption, parseJsonObject, printJson } from './shared-options.js';

interface BuildFlags {
  lib: string;
  from?: string[];
  model?: string;
  metadata?: string;
  json?: boolean;
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('import cached embeddings (--from) into a library and bring its index up to date')
    .argument('[inputs...]', 'media files, folders or URLs to embed')
    .addOption(libOption())
    .option('--from <file>', 'import cached embeddings: .jsonl segments, .arrow segment files, or a saved TwelveLabs embed response (.json); repeatable', collect)
    .option('--model <name>', 'the model of the embeddings, when the files do not say (marengo3.0, marengo3.5, Marengo-retrieval-2.7)')
    .option('--metadata <json>', 'a JSON object of metadata added to every imported segment')
    .addOption(jsonOption())
    .action(async (inputs: string[], flags: BuildFlags) => {
      if (inputs.length > 0) {
        throw new InputError(`embedding media (${inputs[0]}) needs the build pipeline, which is not in this release yet; import cached embeddings with --from FILE`);
      }
      const from = flags.from ?? [];
      if (from.length === 0) throw new InputError('nothing to build: pass --from FILE (cached embeddings) or media inputs');
      const metadata = flags.metadata === undefined ? undefined : (parseJsonObject('--metadata', flags.metadata) as Metadata);
      const lib = await openLibrary(flags.lib, { create: true, onWarning: (message) => info(`warning: ${message}`) });
      try {
        const summary = await lib.importSegments(from, { model: flags.model, metadata });
        const stats = await lib.stats();
        if (flags.json) printJson({ imported: summary, library: stats });
        else info(`imported ${summary.segments} segments of ${summary.videos} videos (${summary.model}) from ${summary.files} file(s) into ${flags.lib}; it now holds ${stats.segments} segments of ${stats.videos} videos`);
      } finally {
        await lib.close();
      }
    });
}
