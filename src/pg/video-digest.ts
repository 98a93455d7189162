import { createHash } from 'node:crypto';
import type { SegmentRows } from '../store/index.js';

/** Marks digests of the current form; a digest without it is the first form (see legacyVideoDigest). */
const DIGEST_PREFIX = 'v2:';

/**
 * A video's digest, built one row at a time in any order, from files or from PostgreSQL: each
 * row's identity, fields, metadata with sorted keys (jsonb reorders keys, so the text as stored
 * would differ between a folder and PostgreSQL) and vector bits, hashed; the sorted row hashes
 * hashed again.
 */
class VideoDigest {
  readonly #rowHashes: string[] = [];

  addRow(rows: SegmentRows, row: number): void {
    const fields = rowFields(rows, row, canonicalJson(rows.metadata[row] ?? 'null'));
    this.#rowHashes.push(
      createHash('sha256').update(JSON.stringify(fields)).update(vectorBytes(rows, row)).digest('hex'),
    );
  }

  digest(): string {
    const hash = createHash('sha256');
    for (const rowHash of [...this.#rowHashes].sort()) hash.update(rowHash);
    return `${DIGEST_PREFIX}${hash.digest('hex')}`;
  }
}

/** The digest of a batch holding one video's segments. */
export function videoDigest(rows: SegmentRows): string {
  const digest = new VideoDigest();
  for (let row = 0; row < rows.count; row++) digest.addRow(rows, row);
  return digest.digest();
}

/** The digest of each video in the batches (a video's rows may be spread over several). */
export function digestsByVideo(parts: Iterable<SegmentRows>): Map<string, string> {
  const digests = new Map<string, VideoDigest>();
  for (const rows of parts) {
    for (let row = 0; row < rows.count; row++) {
      const id = rows.videoId[row] ?? '';
      let digest = digests.get(id);
      if (digest === undefined) {
        digest = new VideoDigest();
        digests.set(id, digest);
      }
      digest.addRow(rows, row);
    }
  }
  return new Map([...digests].map(([id, digest]) => [id, digest.digest()]));
}

export function isLegacyDigest(digest: string): boolean {
  return !digest.startsWith(DIGEST_PREFIX);
}

/**
 * The first form of the digest (metadata text as the folder holds it), which syncs before
 * 2026-12-02 stored in PostgreSQL: a folder -> PostgreSQL sync recognises it and stores the
 * current form instead of copying the video again.
 */
export function legacyVideoDigest(rows: SegmentRows): string {
  const lines: string[] = [];
  for (let row = 0; row < rows.count; row++) {
    const fields = rowFields(rows, row, rows.metadata[row]);
    lines.push(`${JSON.stringify(fields)}${vectorBytes(rows, row).toString('hex')}`);
  }
  lines.sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest('hex');
}

/** What a digest covers of a row besides the video id and the vector, in a fixed order. */
function rowFields(rows: SegmentRows, row: number, metadata: string | undefined): unknown[] {
  return [
    rows.embeddingOption[row],
    rows.embeddingScope[row],
    rows.startSec[row],
    rows.endSec[row],
    rows.source[row],
    rows.contentSha256[row],
    rows.modality[row],
    rows.modelName[row],
    metadata,
  ];
}

function vectorBytes(rows: SegmentRows, row: number): Buffer {
  return Buffer.from(rows.vectors.buffer, rows.vectors.byteOffset + row * rows.dimension * 4, rows.dimension * 4);
}

/** JSON text with every object's keys sorted, so equal values give equal text whatever the key order. */
function canonicalJson(text: string): string {
  return JSON.stringify(sortKeys(JSON.parse(text)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, inner]) => [key, sortKeys(inner)]));
}
