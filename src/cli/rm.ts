import type { Command } from 'commander';
import { openLibrary } from '../library/index.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';

export function registerRmCommand(program: Command): void {
  program
    .command('rm')
    .description('remove a video: its segments leave search results at once and the store')
    .argument('<video_id>', 'the video to remove')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (videoId: string, flags: { lib: string; json?: boolean }) => {
      const lib = await openLibrary(flags.lib, { onWarning: (message) => info(`warning: ${escapeText(message)}`) });
      try {
        const removed = await lib.removeVideo(videoId);
        if (flags.json)
          printJson({
            video_id: videoId,
            removed_segments: removed.segments,
            ...(removed.annotations > 0 ? { removed_annotations: removed.annotations } : {}),
          });
        else
          info(
            `removed ${escapeText(videoId)}: ${removed.segments} segments${removed.annotations > 0 ? `, ${removed.annotations} annotations` : ''}`,
          );
      } finally {
        await lib.close();
      }
    });
}
