import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { SegmentRows } from '../store/index.js';
import type { PgClient } from './connect.js';

/** How a video's rows reach the staging table: COPY on a real server, batched INSERTs on PGlite. */
export type BulkLoader = 'copy' | 'insert';

/**
 * COPY on a real server. PGlite served by pglite-socket cannot take COPY (each protocol
 * message reaches it alone; the backend fails with 08006 and exits), so it gets INSERTs.
 */
export async function chooseBulkLoader(client: PgClient): Promise<BulkLoader> {
  const result = await client.query<{ version: string }>('SELECT version() AS version');
  const version = result.rows[0]?.version ?? '';
  return /pglite|emscripten/i.test(version) ? 'insert' : 'copy';
}

const COPY_CHUNK_ROWS = 256;

/** Streams the rows into `table` (columns as `columns`, text format) with COPY FROM STDIN. */
export async function copyRows(
  client: PgClient,
  table: string,
  columns: string,
  library: string,
  videoId: string,
  rows: SegmentRows,
): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
  await pipeline(Readable.from(copyChunks(library, videoId, rows)), stream);
}

function* copyChunks(library: string, videoId: string, rows: SegmentRows): Generator<string> {
  const lead = `${copyText(library)}\t${copyText(videoId)}`;
  for (let start = 0; start < rows.count; start += COPY_CHUNK_ROWS) {
    const lines: string[] = [];
    for (let row = start; row < Math.min(rows.count, start + COPY_CHUNK_ROWS); row++) {
      const vector = rows.vectors.subarray(row * rows.dimension, (row + 1) * rows.dimension);
      const fields = [
        rows.embeddingOption[row],
        rows.embeddingScope[row],
        String(rows.startSec[row]),
        String(rows.endSec[row]),
        rows.source[row],
        rows.contentSha256[row],
        rows.modality[row],
        rows.modelName[row],
        rows.metadata[row],
        `[${Array.from(vector).join(',')}]`,
      ];
      lines.push(`${lead}\t${fields.map((field) => copyText(field ?? '')).join('\t')}\n`);
    }
    yield lines.join('');
  }
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
