import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InputError } from '../errors.js';
import { type RawSegment, rawSegmentFromJson } from './raw-segment.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a saved TwelveLabs embed response: v1 (`video_embedding.segments[]`, also
 * `audio_embedding`) or v2 (`data[]`). The video id is the file's name without extension;
 * `model_name`, when the response has it, names the model. The response is one JSON document
 * (of one video: megabytes, not gigabytes), parsed whole; its segments are handed out one by
 * one, each converted only when asked for, so the import holds its batch and the parsed text only.
 */
export async function* readApiResponseSegments(path: string): AsyncGenerator<{ segment: RawSegment; line: number }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputError('the file is not valid JSON', { file: path });
    throw error;
  }
  if (!isRecord(parsed))
    throw new InputError('expected a saved TwelveLabs embed response (a JSON object)', { file: path });
  const videoId = basename(path, extname(path));
  const model = typeof parsed['model_name'] === 'string' ? parsed['model_name'] : undefined;
  const found = segmentList(parsed);
  if (found === undefined) {
    throw new InputError('not a TwelveLabs embed response: expected `video_embedding.segments` (v1) or `data` (v2)', {
      file: path,
    });
  }
  const { list, at } = found;
  if (list.length === 0) throw new InputError('the response holds no segments', { file: path });
  for (const [i, item] of list.entries()) {
    if (!isRecord(item)) throw new InputError(`segment ${i + 1} is not a JSON object`, { file: path, line: i + 1 });
    const segment = rawSegmentFromJson(item, videoId, `${at}[${i}]`);
    yield { segment: { ...segment, modelName: segment.modelName ?? model }, line: i + 1 };
  }
}

/** The response's segments and their path in it, for messages. */
function segmentList(response: Record<string, unknown>): { list: unknown[]; at: string } | undefined {
  if (Array.isArray(response['data'])) return { list: response['data'], at: 'data' };
  for (const key of ['video_embedding', 'audio_embedding']) {
    const embedding = response[key];
    if (isRecord(embedding) && Array.isArray(embedding['segments']))
      return { list: embedding['segments'], at: `${key}.segments` };
  }
  return undefined;
}
