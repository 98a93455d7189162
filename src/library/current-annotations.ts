import { annotationManifestPath } from '../annotations/annotation-manifest.js';
import type { AnnotationStore } from '../annotations/annotation-store.js';
import { fileVersion } from '../fs/file-version.js';
import { AnnotationSet } from '../lexical/annotation-set.js';
import type { Manifest } from '../store/manifest.js';

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
    // Replaced by rename on every annotation write (in any process), never edited.
    const version = fileVersion(annotationManifestPath(this.#annotations.libraryDir)) ?? 'none';
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
