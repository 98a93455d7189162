import type { Vector } from 'apache-arrow';
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Uint8,
  Uint32,
  Utf8,
} from '../apache-arrow.js';
import { StoreError } from '../errors.js';
import { parsedUtf8Values, utf8Column, utf8Values } from './utf8-column.js';
import type { VideoFact, VideoFactsDelta, VideoMedia } from './video-facts.js';

const COLUMNS = ['video_id', 'segments', 'duration_sec', 'imports', 'contents', 'removed'] as const;
/** Added later: files written before it lack the column, and their videos have no such facts. */
const DETAILS_COLUMN = 'details';
const TABLE_VERSION = '1';

/** A video's media facts and times as one JSON text ('' when it has none). */
function detailsText(fact: VideoFact): string {
  const { media, createdAt, updatedAt } = fact;
  const details = {
    ...(media?.fps === undefined ? {} : { fps: media.fps }),
    ...(media?.width === undefined ? {} : { width: media.width }),
    ...(media?.height === undefined ? {} : { height: media.height }),
    ...(media?.sizeBytes === undefined ? {} : { size: media.sizeBytes }),
    ...(createdAt === undefined ? {} : { created_at: createdAt }),
    ...(updatedAt === undefined ? {} : { updated_at: updatedAt }),
  };
  return Object.keys(details).length === 0 ? '' : JSON.stringify(details);
}

const finiteOrUndefined = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const textOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

type Details = Pick<VideoFact, 'media' | 'createdAt' | 'updatedAt'>;
const NO_DETAILS: Details = { media: undefined, createdAt: undefined, updatedAt: undefined };

function parseDetails(text: string, name: string, row: number): Details {
  if (text === '') return NO_DETAILS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new StoreError(`video facts file ${name}, row ${row + 1}: the details column is not a JSON object`);
  const record = parsed as Record<string, unknown>;
  const media: VideoMedia = {};
  const fps = finiteOrUndefined(record['fps']);
  const width = finiteOrUndefined(record['width']);
  const height = finiteOrUndefined(record['height']);
  const size = finiteOrUndefined(record['size']);
  if (fps !== undefined) media.fps = fps;
  if (width !== undefined) media.width = width;
  if (height !== undefined) media.height = height;
  if (size !== undefined) media.sizeBytes = size;
  return {
    media: fps === undefined && width === undefined && height === undefined && size === undefined ? undefined : media,
    createdAt: textOrUndefined(record['created_at']),
    updatedAt: textOrUndefined(record['updated_at']),
  };
}

/**
 * One file of the video-facts table as Arrow IPC: a row per video (its whole facts), and in a
 * delta a `removed` flag for a video the write took out. Lists are JSON text: they are short
 * (usually one import or one content key) and only ever read whole.
 */
export function encodeVideoFacts(delta: VideoFactsDelta): Uint8Array {
  const ids = [...delta.upsert.keys(), ...delta.removed];
  const facts = [...delta.upsert.values()];
  const n = ids.length;
  const segments = new Uint32Array(n);
  const duration = new Float64Array(n);
  const removed = new Uint8Array(n);
  const imports: string[] = [];
  const contents: string[] = [];
  const details: string[] = [];
  for (let i = 0; i < n; i++) {
    const fact = facts[i];
    if (fact === undefined) {
      removed[i] = 1;
      imports.push('[]');
      contents.push('[]');
      details.push('');
      continue;
    }
    details.push(detailsText(fact));
    segments[i] = fact.segments;
    duration[i] = fact.durationSec;
    imports.push(JSON.stringify(fact.imports));
    contents.push(JSON.stringify(fact.contents));
  }
  const schema = new Schema(
    [
      new Field('video_id', new Utf8(), false),
      new Field('segments', new Uint32(), false),
      new Field('duration_sec', new Float64(), false),
      new Field('imports', new Utf8(), false),
      new Field('contents', new Utf8(), false),
      new Field('removed', new Uint8(), false),
      new Field(DETAILS_COLUMN, new Utf8(), false),
    ],
    new Map([['version', TABLE_VERSION]]),
  );
  const children = [
    utf8Column(ids),
    makeData({ type: new Uint32(), length: n, data: segments }),
    makeData({ type: new Float64(), length: n, data: duration }),
    utf8Column(imports),
    utf8Column(contents),
    makeData({ type: new Uint8(), length: n, data: removed }),
    utf8Column(details),
  ];
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
  );
  return tableToIPC(new Table(schema, [batch]), 'file');
}

/** The rows of one facts file, applied in order onto `into` (a base onto an empty map, then each delta). */
export function applyVideoFactsFile(name: string, bytes: Uint8Array, into: Map<string, VideoFact>): number {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new StoreError(`video facts file ${name} is not a readable Arrow IPC file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const columns = COLUMNS.map((column) => table.getChild(column));
  const [ids, segments, duration, imports, contents, removed] = columns;
  if (ids == null || segments == null || duration == null || imports == null || contents == null || removed == null) {
    throw new StoreError(`video facts file ${name} lacks one of the columns ${COLUMNS.join(', ')}`);
  }
  const detailsColumn = table.getChild(DETAILS_COLUMN);
  let idText: string[];
  let importLists: string[][];
  let contentLists: string[][];
  let details: Details[] | undefined;
  try {
    idText = utf8Values(ids.data);
    importLists = parsedUtf8Values(imports.data, (text, row) => list(text, name, row));
    contentLists = parsedUtf8Values(contents.data, (text, row) => list(text, name, row));
    details =
      detailsColumn == null
        ? undefined
        : parsedUtf8Values(detailsColumn.data, (text, row) => parseDetails(text, name, row));
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`video facts file ${name} has a string column of the wrong type`, { cause: error });
  }
  const counts = numbers(segments);
  const durations = numbers(duration);
  const gone = numbers(removed);
  const rows = table.numRows;
  for (let row = 0; row < rows; row++) {
    const id = idText[row] as string;
    if (gone[row] === 1) {
      into.delete(id);
      continue;
    }
    const detail = details?.[row] ?? NO_DETAILS;
    // One object shape for every fact (fields absent are undefined), its own copy of each list
    // (rows that repeat a text share its parse): facts are edited copy by copy.
    into.set(id, {
      segments: counts[row] as number,
      durationSec: durations[row] as number,
      imports: (importLists[row] as string[]).slice(),
      contents: (contentLists[row] as string[]).slice(),
      media: detail.media === undefined ? undefined : { ...detail.media },
      createdAt: detail.createdAt,
      updatedAt: detail.updatedAt,
    });
  }
  return rows;
}

function numbers(vector: Vector): ArrayLike<number> {
  return vector.toArray() as ArrayLike<number>;
}

function list(value: string, name: string, row: number): string[] {
  if (value === '[]') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string'))
    throw new StoreError(`video facts file ${name}, row ${row + 1}: a list column is not a JSON array of strings`);
  return parsed as string[];
}
