import type { Command } from 'commander';
import { openLibrary } from '../library/index.js';
import type { JsonValue } from '../types.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, parseJsonObject, printJson } from './shared-options.js';

const META_EXAMPLES = `
Examples:
  vsearch meta island.mp4 --set '{"collection": "nature", "rating": 4}'
  vsearch meta island.mp4 --set '{"draft": null}' --lib ./my-lib --json
`;

export function registerMetaCommand(program: Command): void {
  program
    .command('meta')
    .description(
      "update a video's user metadata: keys in --set are set, a key set to null is deleted; filters see it at once",
    )
    .argument('<video_id>', 'the video to update (`vsearch videos` lists the ids)')
    .requiredOption(
      '--set <json>',
      'a JSON object of keys to set (null deletes a key), e.g. \'{"collection": "nature", "draft": null}\'',
    )
    .addOption(libOption())
    .addOption(jsonOption())
    .addHelpText('after', META_EXAMPLES)
    .action(async (videoId: string, flags: { set: string; lib: string; json?: boolean }) => {
      // Parsed before the library is opened: bad JSON writes nothing.
      const patch = parseJsonObject('--set', flags.set) as Record<string, JsonValue>;
      const lib = await openLibrary(flags.lib, { onWarning: (message) => info(`warning: ${escapeText(message)}`) });
      try {
        const video = await lib.updateVideoMetadata(videoId, patch);
        if (flags.json) printJson({ video_id: video.video_id, metadata: video.metadata });
        else
          info(
            `updated ${escapeText(videoId)} (${video.segments.length} segments): ${escapeText(JSON.stringify(video.metadata))}`,
          );
      } finally {
        await lib.close();
      }
    });
}
