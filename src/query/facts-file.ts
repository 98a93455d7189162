import { IndexMismatchError } from '../errors.js';
import type { GroupRecord, LabelFactsData } from './label-facts-data.js';

/**
 * The facts file (index/facts.bin): the label facts of one set of segment files, so a search
 * need not read the store (whose vector column is most of its bytes) to learn each label's
 * video, option, group and time span. Derived data: rebuilt from the store when missing,
 * damaged or of other files (its fingerprint is the one the HNSW sidecar uses).
 *
 * Layout: 8-byte magic, uint32 LE length of a JSON header, the header, then the typed
 * arrays named by the header, each starting on an 8-byte boundary.
 */
export const FACTS_FILE = 'facts.bin';
const MAGIC = 'VSFACTS1';
// Format 2 added the embedding scope of each label; format 1 files are rebuilt.
const FORMAT = 2;

type ArrayName = 'video' | 'option' | 'scope' | 'group' | 'start' | 'end' | 'file' | 'row' | 'videoOffsets' | 'videoLabels' | 'groupOffsets' | 'groupLabels';
type TypedArray = Int32Array | Uint8Array | Float64Array | Uint32Array;
type ArrayKind = 'i32' | 'u8' | 'f64' | 'u32';

const ARRAYS: readonly [ArrayName, ArrayKind][] = [
  ['video', 'i32'],
  ['option', 'u8'],
  ['scope', 'u8'],
  ['group', 'i32'],
  ['start', 'f64'],
  ['end', 'f64'],
  ['file', 'i32'],
  ['row', 'u32'],
  ['videoOffsets', 'u32'],
  ['videoLabels', 'u32'],
  ['groupOffsets', 'u32'],
  ['groupLabels', 'u32'],
];

const KINDS = {
  i32: Int32Array,
  u8: Uint8Array,
  f64: Float64Array,
  u32: Uint32Array,
} as const;

interface FactsHeader {
  format: number;
  fingerprint: string;
  dimension: number;
  files: string[];
  options: string[];
  scopes: string[];
  videoIds: string[];
  groups: [number, string, string][];
  lengths: number[];
}

export function encodeFactsFile(data: LabelFactsData, fingerprint: string): Uint8Array {
  const header: FactsHeader = {
    format: FORMAT,
    fingerprint,
    dimension: data.dimension,
    files: data.files,
    options: data.options,
    scopes: data.scopes,
    videoIds: data.videoIds,
    groups: data.groups.map((g) => [g.video, g.source, g.metadataText]),
    lengths: ARRAYS.map(([name]) => data[name].length),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  let size = align(12 + headerBytes.length);
  for (const [name] of ARRAYS) size = align(size + data[name].byteLength);
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  let at = align(12 + headerBytes.length);
  for (const [name] of ARRAYS) {
    const array = data[name];
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at = align(at + array.byteLength);
  }
  return out;
}

/** The facts in `bytes` with the fingerprint they were written for; IndexMismatchError when damaged. */
export function decodeFactsFile(bytes: Uint8Array, path: string): { data: LabelFactsData; fingerprint: string } {
  const damaged = (what: string): never => {
    throw new IndexMismatchError(`the facts file ${path} is damaged (${what}); it is rebuilt from the store`);
  };
  if (bytes.length < 12 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) return damaged('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) return damaged('truncated header');
  let header: FactsHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 12, headerLength).toString('utf8')) as FactsHeader;
  } catch (error) {
    throw new IndexMismatchError(`the facts file ${path} has an unreadable header; it is rebuilt from the store`, { cause: error });
  }
  if (header.format !== FORMAT || !Array.isArray(header.lengths) || header.lengths.length !== ARRAYS.length) return damaged(`unsupported format ${String(header.format)}`);
  let at = align(12 + headerLength);
  const arrays = new Map<ArrayName, TypedArray>();
  ARRAYS.forEach(([name, kind], i) => {
    const Kind = KINDS[kind];
    const length = header.lengths[i] as number;
    const byteLength = length * Kind.BYTES_PER_ELEMENT;
    if (!Number.isInteger(length) || length < 0 || at + byteLength > bytes.length) damaged(`truncated at ${name}`);
    const start = bytes.byteOffset + at;
    // Views when aligned (readFile gives an unshared buffer), else a copy.
    arrays.set(name, start % Kind.BYTES_PER_ELEMENT === 0 ? new Kind(bytes.buffer as ArrayBuffer, start, length) : new Kind(bytes.slice(at, at + byteLength).buffer));
    at = align(at + byteLength);
  });
  if (at !== bytes.length) return damaged(`${bytes.length - at} unexpected trailing bytes`);
  const get = <T extends TypedArray>(name: ArrayName): T => arrays.get(name) as T;
  const groups: GroupRecord[] = header.groups.map(([video, source, metadataText]) => ({ video, source, metadataText }));
  const data: LabelFactsData = {
    files: header.files,
    dimension: header.dimension,
    options: header.options,
    scopes: header.scopes,
    videoIds: header.videoIds,
    groups,
    video: get('video'),
    option: get('option'),
    scope: get('scope'),
    group: get('group'),
    start: get('start'),
    end: get('end'),
    file: get('file'),
    row: get('row'),
    videoOffsets: get('videoOffsets'),
    videoLabels: get('videoLabels'),
    groupOffsets: get('groupOffsets'),
    groupLabels: get('groupLabels'),
  };
  checkShape(data, damaged);
  return { data, fingerprint: header.fingerprint };
}

function checkShape(data: LabelFactsData, damaged: (what: string) => never): void {
  const space = data.video.length;
  for (const name of ['option', 'scope', 'group', 'start', 'end', 'file', 'row'] as const) if (data[name].length !== space) damaged(`${name} has ${data[name].length} entries, not ${space}`);
  if (data.videoOffsets.length !== data.videoIds.length + 1 || data.groupOffsets.length !== data.groups.length + 1) damaged('offsets do not match the tables');
  if (data.videoLabels.length !== data.groupLabels.length || data.videoOffsets[data.videoIds.length] !== data.videoLabels.length || data.groupOffsets[data.groups.length] !== data.groupLabels.length) {
    damaged('label lists do not match their offsets');
  }
}

function align(n: number): number {
  return (n + 7) & ~7;
}
