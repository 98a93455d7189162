import type { Command } from 'commander';
import type { AnalyzeRequest } from '../annotations/analyze-request.js';
import type { AnalyzeSummary } from '../annotations/analyze-videos.js';
import { InputError } from '../errors.js';
import { openLibrary } from '../library/index.js';
import { abortOnSignals } from './abort-on-signal.js';
import { clientFromEnvironment } from './api-client.js';
import { baseUrlOption } from './api-options.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, parseInteger, printJson } from './shared-options.js';

interface AnalyzeFlags {
  lib: string;
  prompt?: string;
  segments?: string;
  model?: string;
  pollInterval?: string;
  baseUrl?: string;
  json?: boolean;
}

const ANALYZE_EXAMPLES = `
Examples:
  vsearch analyze --prompt "Describe what happens, scene by scene" --lib ./my-lib
  vsearch analyze island.mp4 --segments ./scenes.json --lib ./my-lib
  vsearch analyze --segments ./scenes.json --json
`;

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description(
      'Pegasus analysis of library videos (all when none is named), stored as timestamped annotations; the same request on the same content is never paid twice',
    )
    .argument('[videos...]', 'video ids (`vsearch videos` lists them)')
    .addOption(libOption())
    .option('--prompt <text>', 'general analysis: the question or instruction (pegasus1.2 by default)')
    .option(
      '--segments <file>',
      'segmentation: a JSON file of segment_definitions (an array, or {"segment_definitions": [...], "min_segment_duration"?, "max_segment_duration"?}); pegasus1.5 by default',
    )
    .option('--model <name>', 'pegasus1.2 or pegasus1.5')
    .option('--poll-interval <ms>', 'how often a task is polled (default 1000)')
    .addOption(baseUrlOption())
    .addOption(jsonOption())
    .addHelpText('after', ANALYZE_EXAMPLES)
    .action(async (videos: string[], flags: AnalyzeFlags) => {
      if ((flags.prompt === undefined) === (flags.segments === undefined))
        throw new InputError('pass exactly one of --prompt TEXT (general analysis) or --segments FILE (segmentation)');
      const { readSegmentsFile } = await import('../annotations/analyze-request.js');
      const base: AnalyzeRequest =
        flags.segments === undefined ? { prompt: flags.prompt } : await readSegmentsFile(flags.segments);
      const request: AnalyzeRequest = flags.model === undefined ? base : { ...base, model: flags.model };
      const pollIntervalMs =
        flags.pollInterval === undefined ? undefined : parseInteger('--poll-interval', flags.pollInterval, 10, 600_000);
      const client = clientFromEnvironment({ baseUrl: flags.baseUrl });
      if (client === undefined)
        throw new InputError(
          'analysis needs the TwelveLabs API: set TWELVELABS_API_KEY (with TWELVELABS_BASE_URL or --base-url to use `vsearch emulator`)',
        );
      const lib = await openLibrary(flags.lib, {
        client,
        onWarning: (message) => info(`warning: ${escapeText(message)}`),
      });
      const interrupt = abortOnSignals();
      try {
        const summary = await lib.analyze(videos, request, { signal: interrupt.signal, pollIntervalMs });
        if (flags.json) printJson(summary);
        else info(describe(summary));
        if (summary.failures.length > 0) process.exitCode = 1;
      } finally {
        interrupt.dispose();
        await lib.close();
        await client.close();
      }
    });
}

function describe(summary: AnalyzeSummary): string {
  const lines = [
    `analyzed ${summary.videos} video(s): ${summary.annotations} annotation(s) stored`,
    `API: ${summary.tasks_created} analysis task(s) created, ${summary.tasks_resumed} resumed; ${summary.already_analyzed} already analyzed with this request`,
  ];
  for (const failure of summary.failures)
    lines.push(`FAILED ${escapeText(failure.video_id)}: ${escapeText(failure.reason)}`);
  return lines.join('\n');
}
