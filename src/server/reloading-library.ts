import type { CallOptions, GetVideoOptions, Library, MetadataPatch, VideoDetail, VideoInfo } from '../library/index.js';
import type { SearchRequest, SearchResponse } from '../query/index.js';

/**
 * A library that follows changes other processes make (a `vsearch build` or `rm` while the
 * server runs): before each call it brings the one Library it holds to the newest generation on
 * disk (`Library.refresh`: one stat when nothing changed). Searches already running finish on
 * the snapshot they hold; page tokens of the older generation then expire, as they do when the
 * library is rebuilt.
 */
export class ReloadingLibrary {
  readonly #library: Library;

  private constructor(library: Library) {
    this.#library = library;
  }

  /** Opens the library (once) through `open`. */
  static async open(open: () => Promise<Library>): Promise<ReloadingLibrary> {
    return new ReloadingLibrary(await open());
  }

  get manifest(): Library['manifest'] {
    return this.#library.manifest;
  }

  search(request: SearchRequest, options: CallOptions = {}): Promise<SearchResponse> {
    return this.#current((lib) => lib.search(request, options));
  }

  listVideos(): Promise<VideoInfo[]> {
    return this.#current((lib) => lib.listVideos());
  }

  getVideo(videoId: string, options: GetVideoOptions = {}): ReturnType<Library['getVideo']> {
    return this.#current((lib) => lib.getVideo(videoId, options));
  }

  // Writes need no refresh first: they catch up with other writers under the write lock.
  updateVideoMetadata(videoId: string, patch: MetadataPatch, options: CallOptions = {}): Promise<VideoDetail> {
    return this.#library.updateVideoMetadata(videoId, patch, options);
  }

  removeVideo(videoId: string): ReturnType<Library['removeVideo']> {
    return this.#library.removeVideo(videoId);
  }

  close(): Promise<void> {
    return this.#library.close();
  }

  async #current<T>(work: (lib: Library) => Promise<T>): Promise<T> {
    await this.#library.refresh();
    return work(this.#library);
  }
}
