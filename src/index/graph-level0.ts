import { GraphFileDamage } from './graph-file-check.js';

const GRAPH_HEADER_BYTES = 96;
const DELETE_MARK = 0x01;

/**
 * The level-0 part of an hnswlib graph file held in memory (layout in graph-file-check.ts):
 * each point's link list, vector and label, read and rewritten in place. The caller checks
 * the file (checkGraphFile) before trusting what this reads, and after what it writes.
 */
export class GraphLevel0 {
  readonly count: number;
  readonly maxLinks: number;
  readonly dimension: number;
  private readonly words: Uint32Array;
  private readonly floats: Float32Array;
  private readonly stride: number;
  private readonly vectorWord: number;
  private readonly labelWord: number;

  constructor(readonly file: Buffer) {
    if (file.byteLength < GRAPH_HEADER_BYTES || file.byteOffset % 4 !== 0)
      throw new GraphFileDamage(`${file.byteLength} bytes are no hnswlib graph`);
    const u64 = (offset: number): number => Number(file.readBigUInt64LE(offset));
    this.count = u64(16);
    const sizePerElement = u64(24);
    const labelOffset = u64(32);
    const offsetData = u64(40);
    this.maxLinks = u64(64);
    if (sizePerElement % 4 !== 0 || offsetData !== this.maxLinks * 4 + 4)
      throw new GraphFileDamage(`header sizes ${sizePerElement}/${offsetData} do not fit maxM0=${this.maxLinks}`);
    this.dimension = (labelOffset - offsetData) / 4;
    this.words = new Uint32Array(file.buffer, file.byteOffset, file.byteLength >>> 2);
    this.floats = new Float32Array(file.buffer, file.byteOffset, file.byteLength >>> 2);
    this.stride = sizePerElement / 4;
    this.vectorWord = offsetData / 4;
    this.labelWord = labelOffset / 4;
  }

  private base(point: number): number {
    return GRAPH_HEADER_BYTES / 4 + point * this.stride;
  }

  links(point: number): Uint32Array {
    const base = this.base(point);
    const n = (this.words[base] as number) & 0xffff;
    return this.words.subarray(base + 1, base + 1 + n);
  }

  /** Replaces the point's level-0 links (at most maxLinks), keeping its flags. */
  setLinks(point: number, links: ArrayLike<number>): void {
    if (links.length > this.maxLinks)
      throw new RangeError(`${links.length} links do not fit the ${this.maxLinks} slots of level 0`);
    const base = this.base(point);
    const head = this.words[base] as number;
    this.words[base] = (head & 0xffff0000) | links.length;
    for (let j = 0; j < links.length; j++) this.words[base + 1 + j] = links[j] as number;
  }

  /** Float index of the point's vector in `vectors` (the graph's normalized copy). */
  vectorAt(point: number): number {
    return this.base(point) + this.vectorWord;
  }

  get vectors(): Float32Array {
    return this.floats;
  }

  /** Whether hnswlib marked the point deleted (still linked, never returned). */
  isDeleted(point: number): boolean {
    return (((this.words[this.base(point)] as number) >>> 16) & DELETE_MARK) !== 0;
  }

  label(point: number): number {
    return this.words[this.base(point) + this.labelWord] as number;
  }
}
