import type { Command } from 'commander';
import type { BuildSummary } from '../build/build-types.js';
import { InputError } from '../errors.js';
import { openLibrary, type ImportSummary, type LibraryStats } from '../library/index.js';
import type { Metadata } from '../types.js';
import { abortOnSignals } from './abort-on-signal.js';
import { baseUrlOption, clientFromEnvironment } from './api-client.js';
import { progressLine } from './progress-line.js';
import { collect, info, jsonOption, libOption, parseInteger, parseJsonObject, parseNumber, printJson } from './shared-options.js';

interface BuildFlags {
  lib: string;
  from?: string[];
  model?: string;
  clipLength?: string;
  concurrency?: string;
  metadata?: string;
  baseUrl?: string;
  json?: boolean;
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('embed media through the TwelveLabs API and/or import cached embeddings (--from), then bring the index up to date')
    .argument('[inputs...]', 'media files, folders (recursive), http(s) URLs, or a .jsonl manifest of {source, video_id?, metadata?}')
    .addOption(libOption())
    .option('--from <file>', 'import cached embeddings: .jsonl segments, .arrow segment files, or a saved TwelveLabs embed response (.json); repeatable', collect)
    .option('--model <name>', 'marengo3.0 (default for a new library), marengo3.5 or Marengo-retrieval-2.7; for --from, the model of the embeddings when the files do not say')
    .option('--clip-length <sec>', 'clip length in seconds, 2-10 (default: the API\'s)')
    .option('--concurrency <n>', 'media embedded at once (default 4)')
    .option('--metadata <json>', 'a JSON object of metadata added to every segment')
    .addOption(baseUrlOption())
    .addOption(jsonOption())
    .action(async (inputs: string[], flags: BuildFlags) => {
      const from = flags.from ?? [];
      if (inputs.length === 0 && from.length === 0) throw new InputError('nothing to build: name media files, folders or URLs, or pass --from FILE (cached embeddings)');
      const metadata = flags.metadata === undefined ? undefined : (parseJsonObject('--metadata', flags.metadata) as Metadata);
      const concurrency = flags.concurrency === undefined ? undefined : parseInteger('--concurrency', flags.concurrency, 1, 64);
      const clipLengthSec = flags.clipLength === undefined ? undefined : parseNumber('--clip-length', flags.clipLength);
      let retries = 0;
      const client = clientFromEnvironment({ baseUrl: flags.baseUrl, concurrency, onRetry: () => retries++ });
      if (inputs.length > 0 && client === undefined) {
        throw new InputError('embedding media needs the TwelveLabs API: set TWELVELABS_API_KEY (with TWELVELABS_BASE_URL or --base-url to use `vsearch emulator`), or import cached embeddings with --from');
      }
      const lib = await openLibrary(flags.lib, { create: true, client, onWarning: (message) => info(`warning: ${message}`) });
      const interrupt = abortOnSignals();
      const progress = progressLine();
      try {
        const imported = from.length === 0 ? undefined : await lib.importSegments(from, { model: flags.model, metadata });
        if (imported !== undefined && !flags.json) info(describeImport(imported));
        const built =
          inputs.length === 0
            ? undefined
            : await lib.build(inputs, { model: flags.model, clipLengthSec, concurrency, metadata, signal: interrupt.signal, onProgress: progress.update });
        progress.end();
        const stats = await lib.stats();
        if (flags.json) printJson({ ...(imported === undefined ? {} : { imported }), ...(built === undefined ? {} : { built: { ...built, retries } }), library: stats });
        else {
          if (built !== undefined) info(describeBuild(built, retries));
          info(describeLibrary(flags.lib, stats));
        }
        if (built !== undefined && built.failures.length > 0) process.exitCode = 1;
      } finally {
        progress.end();
        interrupt.dispose();
        await lib.close();
        await client?.close();
      }
    });
}

function describeBuild(summary: BuildSummary, retries: number): string {
  const lines = [
    `embedded ${summary.videos} item(s): ${summary.segments} segments, ${summary.media_seconds.toFixed(1)} s of media in ${summary.elapsed_sec.toFixed(1)} s`,
    `API: ${summary.sync_embeds} sync embeds, ${summary.tasks_created} tasks created, ${summary.tasks_resumed} resumed, ${retries} retries; ${summary.deduplicated} already in the library`,
  ];
  for (const skipped of summary.skipped) lines.push(`skipped ${skipped.source}: ${skipped.reason}`);
  for (const failure of summary.failures) lines.push(`FAILED ${failure.source}: ${failure.reason}`);
  return lines.join('\n');
}

function describeImport(imported: ImportSummary): string {
  const skipped = imported.skippedFiles.length === 0 ? '' : `skipped ${imported.skippedFiles.length} file(s) imported before (same content): ${imported.skippedFiles.join(', ')}`;
  if (imported.files === 0) return `nothing new to import; ${skipped}`;
  const line = `imported ${imported.segments} segments of ${imported.videos} videos (${imported.model}) from ${imported.files} file(s)`;
  return skipped === '' ? line : `${line}; ${skipped}`;
}

function describeLibrary(dir: string, stats: LibraryStats): string {
  return `${dir} now holds ${stats.segments} segments of ${stats.videos} videos`;
}
