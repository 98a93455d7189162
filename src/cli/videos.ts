import type { Command } from 'commander';
import type { AnnotationJson } from '../annotations/annotation.js';
import { openLibrary, type VideoDetail, type VideoInfo } from '../library/index.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';

interface Flags {
  lib: string;
  json?: boolean;
}

const VIDEOS_EXAMPLES = `
Examples:
  vsearch videos --lib ./my-lib
  vsearch videos --json
  vsearch videos show island.mp4 --lib ./my-lib
`;

export function registerVideosCommand(program: Command): void {
  const videos = program
    .command('videos')
    .description('list the videos of a library: id, duration, segments, embedding options')
    .addOption(libOption())
    .addOption(jsonOption())
    .addHelpText('after', VIDEOS_EXAMPLES)
    .action(async (flags: Flags) => {
      const list = await withLibrary(flags.lib, (lib) => lib.listVideos());
      if (flags.json) printJson(list);
      else if (list.length === 0)
        info(`no videos in ${escapeText(flags.lib)} yet (add media or --from files with vsearch build)`);
      else process.stdout.write(formatList(list));
    });
  videos
    .command('show')
    .description('one video: its source, user metadata and segments')
    .argument('<video_id>', 'the video to show (`vsearch videos` lists the ids)')
    .addOption(libOption())
    .addOption(jsonOption())
    .action(async (videoId: string, flags: Flags, command: Command) => {
      // --lib and --json may also come before `show`, on `videos` itself.
      const parent = command.parent;
      const lib =
        parent !== null && command.getOptionValueSource('lib') !== 'cli' && parent.getOptionValueSource('lib') === 'cli'
          ? String(parent.opts<Flags>().lib)
          : flags.lib;
      const json = flags.json === true || parent?.opts<Flags>().json === true;
      const video = await withLibrary(lib, (opened) => opened.getVideo(videoId));
      if (json) printJson(video);
      else process.stdout.write(formatVideo(video));
    });
}

async function withLibrary<T>(
  dir: string,
  work: (lib: Awaited<ReturnType<typeof openLibrary>>) => Promise<T>,
): Promise<T> {
  const lib = await openLibrary(dir, { onWarning: (message) => info(`warning: ${escapeText(message)}`) });
  try {
    return await work(lib);
  } finally {
    await lib.close();
  }
}

/** mm:ss, minutes unbounded (a 2 h video is 120:00). */
function minutesSeconds(seconds: number): string {
  const whole = Math.round(seconds);
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

function formatList(list: readonly VideoInfo[]): string {
  const ids = list.map((video) => escapeText(video.video_id));
  const width = Math.max(...ids.map((id) => id.length));
  const lines = list.map((video, i) => {
    const segments = `${video.segments} segment${video.segments === 1 ? '' : 's'}`;
    return `${(ids[i] ?? '').padEnd(width)}  ${minutesSeconds(video.duration)}  ${segments.padStart(12)}  ${escapeText(video.embedding_options.join(','))}`;
  });
  return `${lines.join('\n')}\n`;
}

/** A segment's or annotation's span, start and end padded to line up. */
function span(range: { start: number; end: number }): string {
  return `${range.start.toFixed(2).padStart(8)}-${range.end.toFixed(2).padEnd(8)}`;
}

function fieldsOf(fields: AnnotationJson['fields']): string {
  return Object.keys(fields).length === 0 ? '' : `  ${escapeText(JSON.stringify(fields))}`;
}

function formatVideo(video: VideoDetail & { annotations?: AnnotationJson[] }): string {
  const lines = [
    `video       ${escapeText(video.video_id)}`,
    `source      ${escapeText(video.source)}`,
    `duration    ${minutesSeconds(video.duration)} (${video.duration.toFixed(2)} s)`,
    `segments    ${video.segments.length} (${escapeText(video.embedding_options.join(', '))}; ${escapeText(video.embedding_scopes.join(', '))})`,
    ...(video.created_at === undefined ? [] : [`created     ${video.created_at}`]),
    `metadata    ${escapeText(JSON.stringify(video.metadata))}`,
    ...video.segments.map(
      (segment) =>
        `  ${span(segment)}  ${escapeText(segment.embedding_option)}/${escapeText(segment.embedding_scope)}  label ${segment.label}`,
    ),
    ...(video.annotations === undefined || video.annotations.length === 0
      ? []
      : [`annotations ${video.annotations.length}`]),
    ...(video.annotations ?? []).map(
      (a) =>
        `  ${span(a)}  ${escapeText(a.source)}/${escapeText(a.definition)}  ${escapeText(a.text)}${fieldsOf(a.fields)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
