import type { Command } from 'commander';
import type { BuildSummary } from '../build/build-types.js';
import { InputError } from '../errors.js';
import { type ImportSummary, type LibraryStats, openLibrary } from '../library/index.js';
import { isPgUrl } from '../pg/target.js';
import { DEFAULT_INDEX_SETTINGS, type IndexSettings } from '../store/manifest.js';
import type { Metadata } from '../types.js';
import { abortOnSignals } from './abort-on-signal.js';
import { baseUrlOption, clientFromEnvironment } from './api-client.js';
import { progressLine } from './progress-line.js';
import { escapeText } from './query.js';
import {
  collect,
  info,
  jsonOption,
  libOption,
  parseInteger,
  parseJsonObject,
  parseNumber,
  printJson,
} from './shared-options.js';

interface BuildFlags {
  lib: string;
  from?: string[];
  model?: string;
  clipLength?: string;
  concurrency?: string;
  metadata?: string;
  keepDuplicates?: boolean;
  indexM?: string;
  efConstruction?: string;
  baseUrl?: string;
  json?: boolean;
  crossModalEdges?: boolean;
}

const INDEX_M_RANGE = [2, 2048] as const;
const EF_CONSTRUCTION_RANGE = [1, 100_000] as const;

const BUILD_EXAMPLES = `
Examples:
  vsearch build --from data/marengo27-aws-sample/segments.jsonl --lib ./my-lib
  vsearch build ./videos --clip-length 6 --metadata '{"collection": "nature"}'
  vsearch build clips.jsonl --model marengo3.5 --concurrency 8 --json
  vsearch build --lib ./big-lib --index-m 32 --ef-construction 200 --from ./vsearch-lib/segments/*.arrow
  vsearch build --lib ./my-lib --cross-modal-edges
`;

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description(
      'embed media through the TwelveLabs API and/or import cached embeddings (--from), then bring the index up to date',
    )
    .argument(
      '[inputs...]',
      'media files, folders (recursive), http(s) URLs, or a .jsonl manifest of {source, video_id?, metadata?}',
    )
    .addOption(libOption())
    .option(
      '--from <file>',
      'import cached embeddings (.jsonl segments, .arrow segment files, or a saved TwelveLabs embed response .json) or annotations (.jsonl of {video_id, start, end, text}); repeatable',
      collect,
    )
    .option(
      '--model <name>',
      'marengo3.0 (default for a new library), marengo3.5 or Marengo-retrieval-2.7; for --from, the model of the embeddings when the files do not say',
    )
    .option('--clip-length <sec>', "clip length in seconds, 2-10 (default: the API's)")
    .option('--concurrency <n>', 'media embedded at once (default 4)')
    .option('--metadata <json>', 'a JSON object of metadata added to every segment')
    .option(
      '--keep-duplicates',
      'store content the library already holds under another video id as a second video (default: list it, store it once)',
    )
    .option(
      '--index-m <m>',
      `HNSW links per node of a new library, ${INDEX_M_RANGE[0]}-${INDEX_M_RANGE[1]} (default ${DEFAULT_INDEX_SETTINGS.M}); fixed once the library exists`,
    )
    .option(
      '--ef-construction <n>',
      `HNSW build breadth of a new library, ${EF_CONSTRUCTION_RANGE[0]}-${EF_CONSTRUCTION_RANGE[1]} (default ${DEFAULT_INDEX_SETTINGS.efConstruction}); fixed once the library exists`,
    )
    .option(
      '--cross-modal-edges',
      "link the HNSW graph's points along the exact neighbourhoods of the library's cached text, image and audio queries (RoarGraph's projection), so cross-modal searches reach a recall at a far smaller ef; kept on later rebuilds",
    )
    .addOption(baseUrlOption())
    .addOption(jsonOption())
    .addHelpText('after', BUILD_EXAMPLES)
    .action(async (inputs: string[], flags: BuildFlags) => {
      const { isAnnotationJsonl } = await import('../annotations/read-annotations-jsonl.js');
      const annotationFiles: string[] = [];
      const from: string[] = [];
      for (const file of flags.from ?? []) ((await isAnnotationJsonl(file)) ? annotationFiles : from).push(file);
      if (inputs.length === 0 && from.length === 0 && annotationFiles.length === 0 && flags.crossModalEdges !== true)
        throw new InputError(
          'nothing to build: name media files, folders or URLs, pass --from FILE (cached embeddings), or --cross-modal-edges to link an existing graph',
        );
      const metadata =
        flags.metadata === undefined ? undefined : (parseJsonObject('--metadata', flags.metadata) as Metadata);
      const concurrency =
        flags.concurrency === undefined ? undefined : parseInteger('--concurrency', flags.concurrency, 1, 64);
      const clipLengthSec = flags.clipLength === undefined ? undefined : parseNumber('--clip-length', flags.clipLength);
      const index = indexFlags(flags);
      let retries = 0;
      const client = clientFromEnvironment({ baseUrl: flags.baseUrl, concurrency, onRetry: () => retries++ });
      if (inputs.length > 0 && client === undefined) {
        throw new InputError(
          'embedding media needs the TwelveLabs API: set TWELVELABS_API_KEY (with TWELVELABS_BASE_URL or --base-url to use `vsearch emulator`), or import cached embeddings with --from',
        );
      }
      if (isPgUrl(flags.lib)) {
        const { buildPgCommand } = await import('./build-pg.js');
        try {
          await buildPgCommand(
            flags.lib,
            {
              from,
              inputs,
              model: flags.model,
              metadata,
              index,
              clipLengthSec,
              concurrency,
              keepDuplicates: flags.keepDuplicates === true,
              annotationFiles,
              crossModalEdges: flags.crossModalEdges === true,
              json: flags.json === true,
            },
            client,
            (built) => describeBuild(built, retries),
          );
        } finally {
          await client?.close();
        }
        return;
      }
      const onWarning = (message: string): void => info(`warning: ${escapeText(message)}`);
      // Links are projected once, over the graph as this build leaves it.
      const writes = inputs.length > 0 || from.length > 0 || annotationFiles.length > 0;
      const lib = await openLibrary(flags.lib, {
        create: true,
        client,
        index,
        crossModalEdges: flags.crossModalEdges === true && !writes,
        onWarning,
      });
      const interrupt = abortOnSignals();
      const progress = progressLine();
      try {
        assertIndexSettings(flags.lib, lib.manifest.index, index);
        const imported =
          from.length === 0 ? undefined : await lib.importSegments(from, { model: flags.model, metadata });
        if (imported !== undefined && !flags.json) info(describeImport(imported));
        const built =
          inputs.length === 0
            ? undefined
            : await lib.build(inputs, {
                model: flags.model,
                clipLengthSec,
                concurrency,
                metadata,
                keepDuplicates: flags.keepDuplicates === true,
                signal: interrupt.signal,
                onProgress: progress.update,
              });
        progress.end();
        // Annotations last: they name videos that the imports and the build above may have brought.
        const annotated = annotationFiles.length === 0 ? undefined : await lib.importAnnotations(annotationFiles);
        const stats =
          flags.crossModalEdges === true && writes ? await linkedStats(flags.lib, onWarning) : await lib.stats();
        if (flags.json)
          printJson({
            ...(imported === undefined ? {} : { imported }),
            ...(built === undefined ? {} : { built: { ...built, retries } }),
            ...(annotated === undefined ? {} : { annotations: annotated }),
            library: stats,
          });
        else {
          if (built !== undefined) info(describeBuild(built, retries));
          if (built !== undefined && built.annotations > 0)
            info(`added ${built.annotations} subtitle annotation(s) from files beside the media`);
          if (annotated !== undefined)
            info(`imported ${annotated.annotations} annotation(s) from ${annotated.files.length} file(s)`);
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

/** Opens the library again asking for cross-modal links (its graph gets them), and reports on it. */
async function linkedStats(dir: string, onWarning: (message: string) => void): Promise<LibraryStats> {
  const linked = await openLibrary(dir, { crossModalEdges: true, onWarning });
  try {
    return await linked.stats();
  } finally {
    await linked.close();
  }
}

function indexFlags(flags: BuildFlags): Partial<Pick<IndexSettings, 'M' | 'efConstruction'>> {
  return {
    ...(flags.indexM === undefined ? {} : { M: parseInteger('--index-m', flags.indexM, ...INDEX_M_RANGE) }),
    ...(flags.efConstruction === undefined
      ? {}
      : { efConstruction: parseInteger('--ef-construction', flags.efConstruction, ...EF_CONSTRUCTION_RANGE) }),
  };
}

/** M and efConstruction are the graph's shape: an existing library keeps its own, so other values are refused, not ignored. */
function assertIndexSettings(
  dir: string,
  actual: Readonly<IndexSettings>,
  asked: Partial<Pick<IndexSettings, 'M' | 'efConstruction'>>,
): void {
  const differ = [
    ...(asked.M !== undefined && asked.M !== actual.M ? [`--index-m ${asked.M} (it has ${actual.M})`] : []),
    ...(asked.efConstruction !== undefined && asked.efConstruction !== actual.efConstruction
      ? [`--ef-construction ${asked.efConstruction} (it has ${actual.efConstruction})`]
      : []),
  ];
  if (differ.length === 0) return;
  const flags = [
    ...(asked.M === undefined ? [] : [` --index-m ${asked.M}`]),
    ...(asked.efConstruction === undefined ? [] : [` --ef-construction ${asked.efConstruction}`]),
  ].join('');
  throw new InputError(
    `the library at ${dir} already exists, and its index parameters are fixed when it is created: ${differ.join(', ')}. ` +
      `Build a new library with them instead, importing this one's segments: vsearch build --lib NEW_DIR${flags} --from ${dir}/segments/*.arrow`,
  );
}

function describeBuild(summary: BuildSummary, retries: number): string {
  const lines = [
    `embedded ${summary.videos} item(s): ${summary.segments} segments, ${summary.media_seconds.toFixed(1)} s of media in ${summary.elapsed_sec.toFixed(1)} s`,
    `API: ${summary.sync_embeds} sync embeds, ${summary.tasks_created} tasks created, ${summary.tasks_resumed} resumed, ${retries} retries; ${summary.deduplicated} already in the library`,
  ];
  for (const duplicate of summary.duplicates)
    lines.push(
      `same content as ${escapeText(duplicate.video_id)}, not stored twice: ${escapeText(duplicate.source)} (--keep-duplicates stores it)`,
    );
  for (const skipped of summary.skipped)
    lines.push(`skipped ${escapeText(skipped.source)}: ${escapeText(skipped.reason)}`);
  for (const failure of summary.failures)
    lines.push(`FAILED ${escapeText(failure.source)}: ${escapeText(failure.reason)}`);
  return lines.join('\n');
}

function describeImport(imported: ImportSummary): string {
  const skipped =
    imported.skippedFiles.length === 0
      ? ''
      : `skipped ${imported.skippedFiles.length} file(s) imported before (same content): ${imported.skippedFiles.map((file) => escapeText(file)).join(', ')}`;
  if (imported.files === 0) return `nothing new to import; ${skipped}`;
  const line = `imported ${imported.segments} segments of ${imported.videos} videos (${escapeText(imported.model)}) from ${imported.files} file(s)`;
  return skipped === '' ? line : `${line}; ${skipped}`;
}

function describeLibrary(dir: string, stats: LibraryStats): string {
  return `${escapeText(dir)} now holds ${stats.segments} segments of ${stats.videos} videos`;
}
