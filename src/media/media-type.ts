import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Modality } from '../types.js';

export interface MediaType {
  modality: Modality;
  /** The container or format: mp4, mov, mkv, webm, avi, wav, mp3, flac, m4a, jpeg, png, txt. */
  format: string;
}

const BY_EXTENSION: Readonly<Record<string, MediaType>> = {
  '.mp4': { modality: 'video', format: 'mp4' },
  '.m4v': { modality: 'video', format: 'mp4' },
  '.mov': { modality: 'video', format: 'mov' },
  '.mkv': { modality: 'video', format: 'mkv' },
  '.webm': { modality: 'video', format: 'webm' },
  '.avi': { modality: 'video', format: 'avi' },
  '.wav': { modality: 'audio', format: 'wav' },
  '.mp3': { modality: 'audio', format: 'mp3' },
  '.flac': { modality: 'audio', format: 'flac' },
  '.m4a': { modality: 'audio', format: 'm4a' },
  '.jpg': { modality: 'image', format: 'jpeg' },
  '.jpeg': { modality: 'image', format: 'jpeg' },
  '.png': { modality: 'image', format: 'png' },
  '.txt': { modality: 'text', format: 'txt' },
};

export function mediaTypeFromExtension(name: string): MediaType | undefined {
  return BY_EXTENSION[extname(name).toLowerCase()];
}

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end));

/** What the first bytes of a file say it is; undefined when no signature matches. */
export function mediaTypeFromMagic(head: Uint8Array): MediaType | undefined {
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand.startsWith('M4A') || brand.startsWith('M4B')) return { modality: 'audio', format: 'm4a' };
    if (brand === 'qt  ') return { modality: 'video', format: 'mov' };
    return { modality: 'video', format: 'mp4' };
  }
  if (head.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip'].includes(ascii(head, 4, 8)))
    return { modality: 'video', format: 'mov' };
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return { modality: 'video', format: ascii(head, 0, Math.min(head.length, 64)).includes('webm') ? 'webm' : 'mkv' };
  }
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF') {
    const kind = ascii(head, 8, 12);
    if (kind === 'AVI ') return { modality: 'video', format: 'avi' };
    if (kind === 'WAVE') return { modality: 'audio', format: 'wav' };
  }
  if (head.length >= 4 && ascii(head, 0, 4) === 'fLaC') return { modality: 'audio', format: 'flac' };
  if (head.length >= 3 && ascii(head, 0, 3) === 'ID3') return { modality: 'audio', format: 'mp3' };
  if (head.length >= 2 && head[0] === 0xff && ((head[1] as number) & 0xe0) === 0xe0)
    return { modality: 'audio', format: 'mp3' };
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return { modality: 'image', format: 'jpeg' };
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 4) === 'PNG') return { modality: 'image', format: 'png' };
  return undefined;
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return true;
  } catch {
    return false;
  }
}

/** The first bytes of a file, enough for every signature above (and a text check). */
async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  const head = new Uint8Array(512);
  try {
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export type MediaTypeVerdict = { ok: true; type: MediaType } | { ok: false; reason: string };

/**
 * The file's modality from its extension, confirmed by its magic bytes: a file whose
 * content contradicts its extension is reported rather than sent to the API.
 */
export async function detectMediaType(path: string): Promise<MediaTypeVerdict> {
  const bytes = await readHead(path);
  const length = bytes.length;
  if (length === 0) return { ok: false, reason: 'the file is empty' };
  const byName = mediaTypeFromExtension(path);
  const byContent = mediaTypeFromMagic(bytes);
  if (byName?.modality === 'text')
    return looksLikeText(bytes)
      ? { ok: true, type: byName }
      : { ok: false, reason: 'a .txt file that is not UTF-8 text' };
  if (byName === undefined) {
    if (byContent !== undefined) return { ok: true, type: byContent };
    return {
      ok: false,
      reason: `unsupported file type ${extname(path) || '(no extension)'}; vsearch embeds video (mp4 mov mkv webm avi), audio (wav mp3 flac m4a), images (jpg png) and text (txt)`,
    };
  }
  if (byContent === undefined)
    return {
      ok: false,
      reason: `the content is not a ${byName.format} file (its first bytes match no known ${byName.modality} format)`,
    };
  if (byContent.modality !== byName.modality)
    return {
      ok: false,
      reason: `named like ${byName.modality} (${byName.format}) but its content is ${byContent.modality} (${byContent.format})`,
    };
  return { ok: true, type: { modality: byName.modality, format: byName.format } };
}

const withArticle = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

const FORMATS_OF: Readonly<Record<'image' | 'audio' | 'video', string>> = {
  image: 'jpg png',
  audio: 'wav mp3 flac m4a',
  video: 'mp4 mov mkv webm avi',
};

/**
 * Whether a local file given as a query of `modality` is one by its first bytes (whatever its
 * name): undefined when it is, else what is wrong, for an error message. Read errors throw.
 */
export async function mismatchAsQuery(
  path: string,
  modality: 'image' | 'audio' | 'video',
): Promise<string | undefined> {
  const head = await readHead(path);
  if (head.length === 0) return 'the file is empty';
  const type = mediaTypeFromMagic(head);
  if (type === undefined)
    return `its first bytes match no ${modality} format vsearch knows (${FORMATS_OF[modality]})${looksLikeText(head) ? '; it looks like text' : ''}`;
  // An MP4 or MOV file may hold sound alone, and its first bytes do not say so.
  if (modality === 'audio' && (type.format === 'mp4' || type.format === 'mov')) return undefined;
  if (type.modality !== modality)
    return `its content is ${type.modality} (${type.format}), not ${withArticle(modality)}: give it as ${withArticle(type.modality)} query`;
  return undefined;
}
