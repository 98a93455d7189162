/** A segment's identity in `vsearch_segments` (its primary key, less the library): the columns, as selected and ordered everywhere: COLLATE "C" gives every server the same order. */
export const KEY_COLUMNS = 'video_id, embedding_option, embedding_scope, start_sec, end_sec';
export const KEY_ORDER =
  'video_id COLLATE "C", embedding_option COLLATE "C", embedding_scope COLLATE "C", start_sec, end_sec';

export interface KeyRow {
  video_id: string;
  embedding_option: string;
  embedding_scope: string;
  start_sec: number;
  end_sec: number;
}

/** One string per identity, to find a row's label. */
export function keyText(row: KeyRow): string {
  return `${row.video_id}\u0000${row.embedding_option}\u0000${row.embedding_scope}\u0000${row.start_sec}\u0000${row.end_sec}`;
}
