import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * hnswlib's graph file (hnswalg.h saveIndex), checked here before the native addon reads it:
 * the addon follows link counts and link ids without bounds checks, so one damaged byte in a
 * link list is a SIGSEGV in readIndex or searchKnn. Layout:
 *   header (96 bytes): offsetLevel0, max_elements, cur_element_count, size_data_per_element,
 *     label_offset, offsetData (size_t each), maxlevel (int), enterpoint_node (uint32),
 *     maxM, maxM0, M (size_t), mult (double), ef_construction (size_t)
 *   level 0, per element: uint16 link count, uint8 flags (1 = deleted), uint8 unused,
 *     maxM0 uint32 link ids, the vector (dimension float32), the label (size_t)
 *   upper levels, per element: uint32 byte size, then per level: uint16 count, 2 bytes, maxM uint32 ids
 */
export interface GraphFileFacts {
  maxElements: number;
  /** Points in the graph, live and marked deleted. */
  count: number;
  dimension: number;
  M: number;
  efConstruction: number;
  /** How many points carry the deleted mark. */
  deleted: number;
  bytes: number;
  /** `crc32:` and eight hex digits, over the whole file; undefined when not asked for. */
  checksum: string | undefined;
  /**
   * `fnv32:` and eight hex digits, over the header, every link list and every label: all but
   * the vectors (97% of the bytes at 1024-d), so it costs next to nothing on top of the checks.
   * It tells another graph of the same shape from this one on every open.
   */
  linksChecksum: string;
  /** Every point's label, in the graph's internal order (only when asked for). */
  labels?: Uint32Array;
  /** 1 where the point is marked deleted, parallel to `labels`. */
  deletedMarks?: Uint8Array;
}

export interface GraphFileExpectation {
  dimension: number;
  /** Collect every label and deleted mark (doctor compares them with the store). */
  labels?: boolean;
  /**
   * Compute the whole file's crc32 on the way (default true). It is most of the check's cost
   * (about as much as hnswlib's readIndex), so opening a library skips it; saves and doctor do not.
   */
  checksum?: boolean;
  /** Called with each point's label and a view of its vector (valid only during the call). */
  onVector?: (label: number, vector: Float32Array) => void;
}

/** Damage found in a graph file: what is wrong and where. */
export class GraphFileDamage extends Error {}

const GRAPH_HEADER_BYTES = 96;
const LABEL_BYTES = 8;
const MAX_LEVEL = 64;
const MAX_POINTS = 0x1_0000_0000; // tableint is uint32
const CHUNK_BYTES = 16 << 20;
const MAX_SPARE_CAPACITY = 1024;
const DELETE_MARK = 0x01;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Reads the whole file once (in chunks), checking every field hnswlib would follow, and returns what it holds. */
export async function checkGraphFile(path: string, expected: GraphFileExpectation): Promise<GraphFileFacts> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const bad = (what: string): never => {
      throw new GraphFileDamage(what);
    };
    if (fileSize < GRAPH_HEADER_BYTES)
      return bad(`${fileSize} bytes, shorter than its ${GRAPH_HEADER_BYTES}-byte header`);
    const head = Buffer.alloc(GRAPH_HEADER_BYTES);
    await readFully(handle, head, 0);
    const summing = expected.checksum !== false;
    let crc = summing ? crc32(head) : 0;
    let links = FNV_OFFSET;
    const headWords = new Uint32Array(head.buffer, head.byteOffset, GRAPH_HEADER_BYTES >>> 2);
    for (const word of headWords) links = Math.imul(links ^ word, FNV_PRIME);
    const u64 = (offset: number, name: string): number => {
      const v = head.readBigUInt64LE(offset);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : bad(`header field ${name} is out of range`);
    };
    const offsetLevel0 = u64(0, 'offsetLevel0');
    const maxElements = u64(8, 'max_elements');
    const count = u64(16, 'cur_element_count');
    const sizePerElement = u64(24, 'size_data_per_element');
    const labelOffset = u64(32, 'label_offset');
    const offsetData = u64(40, 'offsetData');
    const maxLevel = head.readInt32LE(48);
    const entryPoint = head.readUInt32LE(52);
    const maxM = u64(56, 'maxM');
    const maxM0 = u64(64, 'maxM0');
    const M = u64(72, 'M');
    const mult = head.readDoubleLE(80);
    const efConstruction = u64(88, 'ef_construction');

    if (offsetLevel0 !== 0) bad(`header offsetLevel0 is ${offsetLevel0}, not 0`);
    if (M < 2 || M > 10_000 || maxM !== M || maxM0 !== 2 * M)
      bad(`header link sizes M=${M} maxM=${maxM} maxM0=${maxM0} are inconsistent`);
    if (!(Math.abs(mult * Math.log(M) - 1) < 1e-9)) bad(`header level multiplier ${mult} does not belong to M=${M}`);
    if (efConstruction < M) bad(`header ef_construction ${efConstruction} is below M=${M}`);
    if (offsetData !== maxM0 * 4 + 4) bad(`header offsetData ${offsetData} does not fit maxM0=${maxM0}`);
    const vectorBytes = labelOffset - offsetData;
    if (vectorBytes !== expected.dimension * 4)
      bad(`its points hold ${vectorBytes / 4} floats, not ${expected.dimension}`);
    if (sizePerElement !== labelOffset + LABEL_BYTES)
      bad(`header size_data_per_element ${sizePerElement} does not fit its layout`);
    if (count > maxElements || maxElements > MAX_POINTS)
      bad(`header counts ${count} points in a capacity of ${maxElements}`);
    // hnswlib allocates the capacity on read (a huge one aborts the process); HnswIndex grows it by 1.5x from at most 1024.
    if (maxElements > Math.max(2 * count, MAX_SPARE_CAPACITY))
      bad(`header capacity ${maxElements} is far past its ${count} points`);
    if (count === 0 ? maxLevel !== -1 : maxLevel < 0 || maxLevel > MAX_LEVEL)
      bad(`header top level ${maxLevel} is out of range`);
    if (count > 0 && entryPoint >= count) bad(`entry point ${entryPoint} is not one of its ${count} points`);

    const level0Bytes = count * sizePerElement;
    const linksStart = GRAPH_HEADER_BYTES + level0Bytes;
    const linksPerLevel = maxM * 4 + 4;
    const linkBytes = fileSize - linksStart;
    // P(level >= l) is M^-l, so upper levels hold about count/(M-1) link lists: 4x that is never reached by a real graph.
    const upperLists = Math.ceil((4 * count) / (M - 1)) + 1024;
    if (linkBytes < count * 4) bad(`${fileSize} bytes are too few for ${count} points (truncated)`);
    if (linkBytes % 4 !== 0) bad(`${fileSize} bytes do not end on a whole link list (truncated or padded)`);
    if (linkBytes > count * 4 + upperLists * linksPerLevel) bad(`${fileSize} bytes are too many for ${count} points`);

    const labels = expected.labels === true ? new Uint32Array(count) : undefined;
    const deletedMarks = expected.labels === true ? new Uint8Array(count) : undefined;
    let deleted = 0;
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / sizePerElement));
    const chunk = Buffer.allocUnsafeSlow(Math.min(count, perChunk) * sizePerElement);
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >>> 2);
    const stride = sizePerElement >>> 2;
    const labelWord = labelOffset >>> 2;
    const vectorWord = offsetData >>> 2; // the level-0 link list is the words before it
    const floats =
      expected.onVector === undefined
        ? undefined
        : new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength >>> 2);
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first);
      const view = chunk.subarray(0, n * sizePerElement);
      await readFully(handle, view, GRAPH_HEADER_BYTES + first * sizePerElement);
      if (summing) crc = crc32(view, crc);
      for (let e = 0; e < n; e++) {
        const base = e * stride;
        const head0 = words[base] as number;
        for (let j = 0; j < vectorWord; j++) links = Math.imul(links ^ (words[base + j] as number), FNV_PRIME);
        links = Math.imul(links ^ (words[base + labelWord] as number), FNV_PRIME);
        const linkCount = head0 & 0xffff;
        const flags = (head0 >>> 16) & 0xff;
        if (linkCount > maxM0 || head0 >>> 24 !== 0 || (flags & ~DELETE_MARK) !== 0)
          bad(`point ${first + e} has a damaged level-0 link list header`);
        for (let j = 1; j <= linkCount; j++)
          if ((words[base + j] as number) >= count)
            bad(`point ${first + e} links to point ${words[base + j]} of ${count}`);
        const labelHigh = words[base + labelWord + 1] as number;
        if (labelHigh !== 0) bad(`point ${first + e} has a label past uint32`);
        if ((flags & DELETE_MARK) !== 0) deleted++;
        if (floats !== undefined)
          expected.onVector?.(
            words[base + labelWord] as number,
            floats.subarray(base + vectorWord, base + vectorWord + expected.dimension),
          );
        if (labels !== undefined && deletedMarks !== undefined) {
          labels[first + e] = words[base + labelWord] as number;
          deletedMarks[first + e] = flags & DELETE_MARK;
        }
      }
    }

    const section = Buffer.allocUnsafeSlow(linkBytes);
    await readFully(handle, section, linksStart);
    if (summing) crc = crc32(section, crc);
    const linkWords = new Uint32Array(section.buffer, section.byteOffset, linkBytes >>> 2);
    for (const word of linkWords) links = Math.imul(links ^ word, FNV_PRIME);
    const levels = new Uint8Array(count);
    const listAt = new Uint32Array(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at >= linkWords.length) bad(`truncated at point ${i} of ${count}`);
      const size = linkWords[at] as number;
      if (size % linksPerLevel !== 0 || size / linksPerLevel > maxLevel)
        bad(`point ${i} has a damaged upper-level list size ${size}`);
      levels[i] = size / linksPerLevel;
      listAt[i] = at + 1;
      at += 1 + size / 4;
    }
    if (at !== linkWords.length)
      bad(
        at > linkWords.length ? `truncated in the upper-level links` : `${(linkWords.length - at) * 4} trailing bytes`,
      );
    if (count > 0 && levels[entryPoint] !== maxLevel)
      bad(`entry point ${entryPoint} is at level ${levels[entryPoint]}, not the top level ${maxLevel}`);
    const wordsPerLevel = linksPerLevel >>> 2;
    for (let i = 0; i < count; i++) {
      const level = levels[i] as number;
      for (let l = 1; l <= level; l++) {
        const base = (listAt[i] as number) + (l - 1) * wordsPerLevel;
        const n = (linkWords[base] as number) & 0xffff;
        if (n > maxM || (linkWords[base] as number) >>> 16 !== 0)
          bad(`point ${i} has a damaged link list at level ${l}`);
        for (let j = 1; j <= n; j++) {
          const to = linkWords[base + j] as number;
          // A link to a point that is not on this level makes hnswlib read past that point's lists.
          if (to >= count || (levels[to] as number) < l)
            bad(`point ${i} links at level ${l} to point ${to}, which is not on that level`);
        }
      }
    }
    return {
      maxElements,
      count,
      dimension: expected.dimension,
      M,
      efConstruction,
      deleted,
      bytes: fileSize,
      checksum: summing ? crcText(crc) : undefined,
      linksChecksum: `fnv32:${(links >>> 0).toString(16).padStart(8, '0')}`,
      ...(labels === undefined ? {} : { labels }),
      ...(deletedMarks === undefined ? {} : { deletedMarks }),
    };
  } finally {
    await handle.close();
  }
}

/** The crc32 of a whole file, as checkGraphFile gives it, read in chunks. */
export async function fileChecksum(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const chunk = Buffer.allocUnsafeSlow(Math.min(CHUNK_BYTES, Math.max(1, size)));
    let crc = 0;
    for (let at = 0; at < size; at += chunk.length) {
      const view = chunk.subarray(0, Math.min(chunk.length, size - at));
      await readFully(handle, view, at);
      crc = crc32(view, crc);
    }
    return crcText(crc);
  } finally {
    await handle.close();
  }
}

export function crcText(crc: number): string {
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;
}

async function readFully(handle: Awaited<ReturnType<typeof open>>, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0)
      throw new GraphFileDamage(
        `the file ended at byte ${position + done} while being read (it changed or was truncated)`,
      );
    done += bytesRead;
  }
}
