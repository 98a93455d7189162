import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { sha256Hex } from '../store/sha256.js';
import type { Annotation } from './annotation.js';
import {
  type AnnotationFileEntry,
  type AnnotationManifest,
  annotationsDir,
  readAnnotationManifest,
  writeAnnotationManifest,
} from './annotation-manifest.js';

const FILE_NAME = /^ann-\d+-[0-9a-f]+\.arrow$/;
const TEMP_NAME = /^\.(ann-\d+-[0-9a-f]+\.arrow|manifest\.json)\.[0-9a-f]{12}\.tmp$/;

/** A request stored with its annotations: its key (content + request) and the video it is about. */
export interface StoredRequest {
  key: string;
  videoId: string;
}

/**
 * The annotations of a library: Arrow files under annotations/, each checked against the
 * sha256 its manifest lists before it is decoded. Readers need no lock; every method that
 * writes must run holding the library's write lock (Library does), which is what makes an
 * unlisted annotation file provably garbage.
 */
export class AnnotationStore {
  readonly libraryDir: string;
  readonly #files = new Map<string, Annotation[]>();

  constructor(libraryDir: string) {
    this.libraryDir = libraryDir;
  }

  manifest(): Promise<AnnotationManifest> {
    return readAnnotationManifest(this.libraryDir);
  }

  /** Every annotation, in file order. A file removed by a writer while it was read is read again under the new manifest. */
  async all(): Promise<Annotation[]> {
    for (let attempt = 0; ; attempt++) {
      const manifest = await this.manifest();
      try {
        const lists = await Promise.all(manifest.files.map((entry) => this.#load(entry)));
        return lists.flat();
      } catch (error) {
        if (attempt > 0 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  async ofVideo(videoId: string): Promise<Annotation[]> {
    return (await this.all()).filter((a) => a.videoId === videoId).sort((a, b) => a.start - b.start || a.end - b.end);
  }

  async hasRequest(key: string): Promise<boolean> {
    return (await this.manifest()).requests[key] !== undefined;
  }

  /** Stores rows as one new file and records the requests they answer, in one manifest commit. Hold the write lock. */
  async append(rows: readonly Annotation[], requests: readonly StoredRequest[] = []): Promise<void> {
    if (rows.length === 0 && requests.length === 0) return;
    const manifest = await this.manifest();
    const files = [...manifest.files];
    if (rows.length > 0) files.push(await this.#writeFile(rows, manifest.generation + 1));
    const stored = { ...manifest.requests };
    for (const request of requests) stored[request.key] = request.videoId;
    await this.#commit({ ...manifest, files, requests: stored });
  }

  /** Drops a video's annotations and its stored requests; returns how many annotations went. Hold the write lock. */
  async removeVideo(videoId: string): Promise<number> {
    const manifest = await this.manifest();
    let removed = 0;
    const files: AnnotationFileEntry[] = [];
    for (const entry of manifest.files) {
      const rows = await this.#load(entry);
      const kept = rows.filter((row) => row.videoId !== videoId);
      removed += rows.length - kept.length;
      if (kept.length === rows.length) files.push(entry);
      else if (kept.length > 0) files.push(await this.#writeFile(kept, manifest.generation + 1));
    }
    const requests = Object.fromEntries(Object.entries(manifest.requests).filter(([, video]) => video !== videoId));
    if (removed === 0 && Object.keys(requests).length === Object.keys(manifest.requests).length) return 0;
    await this.#commit({ ...manifest, files, requests });
    return removed;
  }

  async #commit(next: AnnotationManifest): Promise<void> {
    await writeAnnotationManifest(this.libraryDir, { ...next, generation: next.generation + 1 });
    await this.#removeUnlisted(new Set(next.files.map((entry) => entry.name)));
  }

  /** Files no manifest lists any more (replaced, or written by a writer that died before its commit), and crash temp files. */
  async #removeUnlisted(listed: ReadonlySet<string>): Promise<void> {
    const dir = annotationsDir(this.libraryDir);
    for (const name of await readdir(dir)) {
      if ((FILE_NAME.test(name) && !listed.has(name)) || TEMP_NAME.test(name)) {
        this.#files.delete(name);
        await rm(join(dir, name), { force: true });
      }
    }
  }

  async #writeFile(rows: readonly Annotation[], generation: number): Promise<AnnotationFileEntry> {
    const name = `ann-${String(generation).padStart(6, '0')}-${randomBytes(4).toString('hex')}.arrow`;
    // Loaded on use: a search of a library without annotations never loads apache-arrow.
    const { encodeAnnotationFile } = await import('./annotation-file.js');
    const bytes = encodeAnnotationFile(rows);
    await mkdir(annotationsDir(this.libraryDir), { recursive: true });
    await writeFileAtomic(join(annotationsDir(this.libraryDir), name), bytes);
    this.#files.set(name, [...rows]);
    return { name, rows: rows.length, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
  }

  async #load(entry: AnnotationFileEntry): Promise<Annotation[]> {
    const cached = this.#files.get(entry.name);
    if (cached !== undefined) return cached;
    const path = join(annotationsDir(this.libraryDir), entry.name);
    const bytes = await readFile(path);
    if (bytes.byteLength !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
      throw new StoreError(
        `annotation file ${path} does not match its checksum in annotations/manifest.json (damaged); restore it from a backup, or remove the video and analyze it again`,
      );
    }
    const { decodeAnnotationFile } = await import('./annotation-file.js');
    const rows = decodeAnnotationFile(entry.name, bytes);
    if (rows.length !== entry.rows)
      throw new StoreError(`annotation file ${path} holds ${rows.length} rows, its manifest entry says ${entry.rows}`);
    this.#files.set(entry.name, rows);
    return rows;
  }
}
