import { statSync } from 'node:fs';
import { annotationManifestPath } from '../annotations/annotation-manifest.js';
import type { AnnotationStore } from '../annotations/annotation-store.js';
import { AnnotationSet } from '../lexical/annotation-set.js';
import type { Manifest } from '../store/manifest.js';

/**
 * Which version of annotations/manifest.json is on disk: it is replaced by rename on every
 * annotation write (in any process), never edited, so its inode changes with each one.
 */
function annotationVersion(libraryDir: string): string {
  // Synchronous on purpose: a local stat takes microseconds, the thread pool's round trip of an
  // async one took most of a warm vector query's overhead over hnswlib (bench/search-overhead.mjs --call query).
  const info = statSync(annotationManifestPath(libraryDir), { bigint: true, throwIfNoEntry: false });
  return info === undefined ? 'none' : `${info.ino}:${info.mtimeNs}:${info.size}`;
}

/**
 * The annotation set of the library's current generation: made again only when the segment
 * manifest (the videos annotations may belong to) or the annotations' manifest changed, so every
 * search of one generation shares one set and one lexical index; a write is seen by the next search.
 */
export class CurrentAnnotations {
  readonly #annotations: AnnotationStore;
  #current: { manifest: Readonly<Manifest>; version: string; set: Promise<AnnotationSet> } | undefined;

  constructor(annotations: AnnotationStore) {
    this.#annotations = annotations;
  }

  async get(manifest: Readonly<Manifest>): Promise<AnnotationSet> {
    const version = annotationVersion(this.#annotations.libraryDir);
    const current = this.#current;
    if (current !== undefined && current.manifest === manifest && current.version === version) return current.set;
    const set = this.#annotations
      .all()
      .then((all) => new AnnotationSet(all.filter((a) => manifest.videos[a.videoId] !== undefined)));
    this.#current = { manifest, version, set };
    set.catch(() => {
      if (this.#current?.set === set) this.#current = undefined;
    });
    return set;
  }
}
