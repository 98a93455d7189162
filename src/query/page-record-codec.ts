import { PageTokenError } from './page-token-error.js';
import type { SearchFilter } from './search-filter.js';
import type { Threshold } from './stages/match.js';
import type { GroupBy, Operator, SearchOption } from './stages/prepare.js';

/** Like the API's `page_expires_at`: a search's pages can be walked for a day. */
export const PAGE_TTL_MS = 24 * 60 * 60 * 1000;

/** What one page returned: its number of hits and what later pages must leave out. */
export interface ReturnedPage {
  items: number;
  /** Clip labels (group by clip), every label of a merged hit included. */
  labels: number[];
  /** Video ids (group by video). */
  videos: string[];
}

export interface StoredSearch {
  groupBy: GroupBy;
  operator: Operator;
  pageLimit: number;
  minScore?: number;
  searchOptions?: SearchOption[];
  filter?: SearchFilter;
  threshold: Threshold;
  mergeAdjacent: boolean;
}

/** A search replayed by its page tokens, without embedding its queries again. */
export interface PageRecord {
  version: 1;
  id: string;
  libraryId: string;
  /** The manifest generation it was made in; any import or rm expires it. */
  generation: number;
  createdAt: string;
  /** The normalized query vectors. */
  queries: Float32Array[];
  search: StoredSearch;
  excludedLabels: number[];
  /** The ANN search breadth of the first page (by its queries' modality); absent in older records. */
  ef?: number;
  /** Partitions probed for a top 10 when the first page was a partition search; absent otherwise. */
  partitionProbes?: number;
  total: number;
  pages: ReturnedPage[];
}

/** A record as JSON (its own `<id>.json` file): the query vectors as base64 of their float32 bytes. */
export function recordToJson(record: PageRecord): string {
  return JSON.stringify({
    ...record,
    queries: record.queries.map((q) => Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64')),
  });
}

export function recordFromJson(value: unknown): PageRecord {
  const record = checkRecord(value);
  const queries = (record as unknown as { queries: unknown }).queries;
  if (!Array.isArray(queries) || !queries.every((q): q is string => typeof q === 'string')) throw unreadable();
  return { ...record, queries: queries.map((text) => floatsOf(Buffer.from(text, 'base64'))) };
}

/**
 * Records as one batch file: 8-byte magic, uint32 LE length of a JSON header (the records
 * with each query vector replaced by [byte offset, float count]), then the vectors' float32
 * bytes. No base64 or number formatting per search: writing a batch copies the vectors once.
 */
const BATCH_MAGIC = 'VSPAGES1';

export function encodeBatch(records: readonly PageRecord[]): Buffer {
  let offset = 0;
  const header = records.map((record) => ({
    ...record,
    queries: record.queries.map((q) => {
      const at: [number, number] = [offset, q.length];
      offset += q.byteLength;
      return at;
    }),
  }));
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align4(12 + headerBytes.length);
  const out = Buffer.alloc(start + offset); // zeroed: the padding after the header is written as is
  out.write(BATCH_MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  let at = start;
  for (const record of records) {
    for (const q of record.queries) {
      out.set(new Uint8Array(q.buffer, q.byteOffset, q.byteLength), at);
      at += q.byteLength;
    }
  }
  return out;
}

/** The record `id` of a batch file, or undefined when the batch does not hold it. */
export function recordFromBatch(bytes: Buffer, id: string): PageRecord | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== BATCH_MAGIC) throw damaged();
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) throw damaged();
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    throw damaged();
  }
  if (!Array.isArray(header)) throw unreadable();
  const found: unknown = header.find(
    (entry: unknown) => typeof entry === 'object' && entry !== null && (entry as { id?: unknown }).id === id,
  );
  if (found === undefined) return undefined;
  const record = checkRecord(found);
  const spans = (record as unknown as { queries: unknown }).queries;
  if (!Array.isArray(spans)) throw unreadable();
  const data = align4(12 + headerLength);
  const queries = spans.map((span: unknown) => {
    if (!Array.isArray(span) || typeof span[0] !== 'number' || typeof span[1] !== 'number') throw unreadable();
    const from = data + span[0];
    const to = from + span[1] * 4;
    if (to > bytes.length) throw damaged();
    return floatsOf(bytes.subarray(from, to));
  });
  return { ...record, queries };
}

/** A copy of float32 bytes as a Float32Array (the bytes may be unaligned). */
function floatsOf(bytes: Uint8Array): Float32Array {
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

function checkRecord(record: unknown): PageRecord {
  if (
    typeof record !== 'object' ||
    record === null ||
    (record as Partial<PageRecord>).version !== 1 ||
    !Array.isArray((record as Partial<PageRecord>).pages)
  )
    throw unreadable();
  return record as PageRecord;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function damaged(): PageTokenError {
  return new PageTokenError('the page record behind this token is damaged');
}

function unreadable(): PageTokenError {
  return new PageTokenError('the page record behind this token is not one this vsearch reads');
}
