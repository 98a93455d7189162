import { crc32 } from 'node:zlib';
import { IndexMismatchError } from '../errors.js';
import type { GroupRecord, LabelFactsData } from './label-facts-data.js';

/**
 * The facts file (index/facts.bin): the label facts of one set of segment files, so a search
 * need not read the store (whose vector column is most of its bytes) to learn each label's
 * video, option, group and time span. Derived data: rebuilt from the store when missing,
 * damaged or of other files (its fingerprint is the one the HNSW sidecar uses).
 *
 * Layout: 8-byte magic, uint32 LE length of a JSON header, uint32 LE crc32 of every byte after
 * it, the header, then the typed arrays named by the header, each starting on an 8-byte boundary.
 */
export const FACTS_FILE = 'facts.bin';
// Format 2 added a crc32 of the body; format 3 the embedding scope of each label. Older files are rebuilt.
const MAGIC = 'VSFACTS3';
const OLDER_MAGIC = /^VSFACTS[12]$/;
const FORMAT = 3;
const PREFIX = 16;

type ArrayName =
  | 'video'
  | 'option'
  | 'scope'
  | 'group'
  | 'start'
  | 'end'
  | 'file'
  | 'row'
  | 'videoOffsets'
  | 'videoLabels'
  | 'groupOffsets'
  | 'groupLabels';
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
  let size = align(PREFIX + headerBytes.length);
  for (const [name] of ARRAYS) size = align(size + data[name].byteLength);
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, PREFIX);
  let at = align(PREFIX + headerBytes.length);
  for (const [name] of ARRAYS) {
    const array = data[name];
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at = align(at + array.byteLength);
  }
  out.writeUInt32LE(crc32(out.subarray(PREFIX)) >>> 0, 12);
  return out;
}

/** The facts in `bytes` with the fingerprint they were written for; IndexMismatchError when damaged. */
export function decodeFactsFile(bytes: Uint8Array, path: string): { data: LabelFactsData; fingerprint: string } {
  const damaged = (what: string): never => {
    throw new IndexMismatchError(`the facts file ${path} is damaged (${what}); it is rebuilt from the store`);
  };
  const magic = bytes.length < 8 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1');
  if (OLDER_MAGIC.test(magic))
    throw new IndexMismatchError(
      `the facts file ${path} was written by an older vsearch; it is rebuilt from the store`,
    );
  if (bytes.length < PREFIX || magic !== MAGIC) return damaged('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (PREFIX + headerLength > bytes.length) return damaged('truncated header');
  if (crc32(bytes.subarray(PREFIX)) >>> 0 !== view.getUint32(12, true))
    return damaged('its checksum does not match its contents');
  let header: FactsHeader;
  try {
    header = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX, headerLength).toString('utf8'),
    ) as FactsHeader;
  } catch (error) {
    throw new IndexMismatchError(`the facts file ${path} has an unreadable header; it is rebuilt from the store`, {
      cause: error,
    });
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    header.format !== FORMAT ||
    !Array.isArray(header.lengths) ||
    header.lengths.length !== ARRAYS.length
  ) {
    return damaged(`unsupported format ${String((header as Partial<FactsHeader> | null)?.format)}`);
  }
  const strings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');
  const groupRow = (g: unknown): boolean =>
    Array.isArray(g) &&
    g.length === 3 &&
    typeof g[0] === 'number' &&
    typeof g[1] === 'string' &&
    typeof g[2] === 'string';
  if (
    !strings(header.files) ||
    !strings(header.options) ||
    !strings(header.videoIds) ||
    !Array.isArray(header.groups) ||
    !header.groups.every(groupRow) ||
    typeof header.fingerprint !== 'string' ||
    typeof header.dimension !== 'number'
  ) {
    return damaged('header fields missing or of the wrong type');
  }
  let at = align(PREFIX + headerLength);
  const arrays = new Map<ArrayName, TypedArray>();
  ARRAYS.forEach(([name, kind], i) => {
    const Kind = KINDS[kind];
    const length = header.lengths[i] as number;
    const byteLength = length * Kind.BYTES_PER_ELEMENT;
    if (!Number.isInteger(length) || length < 0 || at + byteLength > bytes.length) damaged(`truncated at ${name}`);
    const start = bytes.byteOffset + at;
    // Views when aligned (readFile gives an unshared buffer), else a copy.
    arrays.set(
      name,
      start % Kind.BYTES_PER_ELEMENT === 0
        ? new Kind(bytes.buffer as ArrayBuffer, start, length)
        : new Kind(bytes.slice(at, at + byteLength).buffer),
    );
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

/** Every code and offset in range, every time finite: a search indexes tables with them. */
function checkShape(data: LabelFactsData, damaged: (what: string) => never): void {
  const space = data.video.length;
  for (const name of ['option', 'scope', 'group', 'start', 'end', 'file', 'row'] as const)
    if (data[name].length !== space) damaged(`${name} has ${data[name].length} entries, not ${space}`);
  if (data.videoOffsets.length !== data.videoIds.length + 1 || data.groupOffsets.length !== data.groups.length + 1)
    damaged('offsets do not match the tables');
  if (
    data.videoLabels.length !== data.groupLabels.length ||
    data.videoOffsets[data.videoIds.length] !== data.videoLabels.length ||
    data.groupOffsets[data.groups.length] !== data.groupLabels.length
  ) {
    damaged('label lists do not match their offsets');
  }
  for (let label = 0; label < space; label++) {
    const video = data.video[label] as number;
    if (video < -1 || video >= data.videoIds.length)
      damaged(`label ${label} names video ${video} of ${data.videoIds.length}`);
    if (video === -1) continue;
    const start = data.start[label] as number;
    const end = data.end[label] as number;
    if ((data.option[label] as number) >= data.options.length)
      damaged(`label ${label} has an unknown embedding option`);
    if ((data.scope[label] as number) >= data.scopes.length) damaged(`label ${label} has an unknown embedding scope`);
    if ((data.group[label] as number) < 0 || (data.group[label] as number) >= data.groups.length)
      damaged(`label ${label} has an unknown group`);
    if ((data.file[label] as number) < 0 || (data.file[label] as number) >= data.files.length)
      damaged(`label ${label} names an unknown file`);
    if (!Number.isFinite(start) || !Number.isFinite(end))
      damaged(`label ${label} has a time that is not a finite number`);
  }
  for (const name of ['videoOffsets', 'groupOffsets'] as const) {
    const offsets = data[name];
    for (let i = 1; i < offsets.length; i++)
      if ((offsets[i] as number) < (offsets[i - 1] as number)) damaged(`${name} is not ascending`);
  }
  for (const name of ['videoLabels', 'groupLabels'] as const)
    for (const label of data[name]) if (label >= space) damaged(`${name} holds label ${label} past ${space}`);
  for (const group of data.groups)
    if (!Number.isInteger(group.video) || group.video < 0 || group.video >= data.videoIds.length)
      damaged('a group names an unknown video');
}

function align(n: number): number {
  return (n + 7) & ~7;
}
