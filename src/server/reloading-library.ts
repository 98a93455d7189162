import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallOptions, GetVideoOptions, Library, MetadataPatch, VideoDetail, VideoInfo } from '../library/index.js';
import type { SearchRequest, SearchResponse } from '../query/index.js';
import { MANIFEST_FILE } from '../store/manifest.js';

/** What identifies one version of manifest.json on disk (it is replaced by rename, never edited). */
async function manifestVersion(dir: string): Promise<string> {
  const info = await stat(join(dir, MANIFEST_FILE), { bigint: true });
  return `${info.ino}:${info.mtimeNs}:${info.size}`;
}

/**
 * A library that follows changes other processes make (a `vsearch build` or `rm` while the
 * server runs): before each search it checks whether manifest.json was replaced and, if so,
 * opens the library again and retires the old instance once its searches are done. Page
 * tokens of the old version then expire, as they do when the library is rebuilt.
 */
export class ReloadingLibrary {
  readonly #open: () => Promise<Library>;
  #current: Library;
  #version: string;
  #reopening: Promise<void> | undefined;
  readonly #busy = new Map<Library, number>();
  readonly #retired = new Set<Library>();

  private constructor(open: () => Promise<Library>, first: Library, version: string) {
    this.#open = open;
    this.#current = first;
    this.#version = version;
  }

  static async open(open: () => Promise<Library>): Promise<ReloadingLibrary> {
    const first = await open();
    return new ReloadingLibrary(open, first, await manifestVersion(first.dir));
  }

  get manifest(): Library['manifest'] {
    return this.#current.manifest;
  }

  search(request: SearchRequest, options: CallOptions = {}): Promise<SearchResponse> {
    return this.#use((lib) => lib.search(request, options));
  }

  listVideos(): Promise<VideoInfo[]> {
    return this.#use((lib) => lib.listVideos());
  }

  getVideo(videoId: string, options: GetVideoOptions = {}): ReturnType<Library['getVideo']> {
    return this.#use((lib) => lib.getVideo(videoId, options));
  }

  updateVideoMetadata(videoId: string, patch: MetadataPatch, options: CallOptions = {}): Promise<VideoDetail> {
    return this.#use((lib) => lib.updateVideoMetadata(videoId, patch, options));
  }

  removeVideo(videoId: string): ReturnType<Library['removeVideo']> {
    return this.#use((lib) => lib.removeVideo(videoId));
  }

  /** Runs `work` on the current version of the library, which is closed only once no work uses it. */
  async #use<T>(work: (lib: Library) => Promise<T>): Promise<T> {
    await this.#follow();
    const lib = this.#current;
    this.#busy.set(lib, (this.#busy.get(lib) ?? 0) + 1);
    try {
      return await work(lib);
    } finally {
      const left = (this.#busy.get(lib) ?? 1) - 1;
      if (left > 0) this.#busy.set(lib, left);
      else {
        this.#busy.delete(lib);
        if (this.#retired.delete(lib)) await lib.close();
      }
    }
  }

  async close(): Promise<void> {
    await this.#reopening?.catch(() => undefined);
    await this.#current.close();
  }

  async #follow(): Promise<void> {
    this.#reopening ??= (async () => {
      try {
        const version = await manifestVersion(this.#current.dir);
        if (version === this.#version) return;
        const next = await this.#open();
        const old = this.#current;
        this.#current = next;
        this.#version = version;
        if (this.#busy.has(old)) this.#retired.add(old);
        else await old.close();
      } finally {
        this.#reopening = undefined;
      }
    })();
    await this.#reopening;
  }
}
