import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { type Manifest, type ManifestFile, RECOVER, readManifest, type SegmentFileEntry } from './manifest.js';
import { readSegmentBytes } from './read-segment-bytes.js';
import { sha256Hex } from './sha256.js';
import { factsOfLegacy, factsView, type VideoFact, type VideoFacts } from './video-facts.js';
import { readVideoFacts } from './video-facts-store.js';

const SEGMENTS_DIR = 'segments';

export interface LoadedManifest {
  /** The whole view: manifest.json with the per-video facts applied. */
  manifest: Manifest;
  facts: VideoFacts;
  /** The next write must write a whole new facts base: the library is of the old layout, or its facts were rebuilt. */
  needsBase: boolean;
  /** Why the facts table could not be used (it was rebuilt from the segment files); undefined when it was sound. */
  factsProblem: string | undefined;
}

/**
 * Reads manifest.json and the video-facts table it names. A facts table that is missing or
 * damaged (by its checksums) is derived data: it is rebuilt from the segment files here, in
 * memory, and the next write stores it. What only the table held (which imports brought which
 * video, dedupe keys) is then lost, and `factsProblem` says so.
 */
export async function loadManifestWithFacts(
  dir: string,
  options: { rebuild?: boolean; known?: LoadedManifest } = {},
): Promise<LoadedManifest> {
  const stored = await readManifest(dir);
  if (stored.layout === 'legacy')
    return {
      manifest: stored.manifest,
      facts: factsOfLegacy(stored.manifest),
      needsBase: true,
      factsProblem: undefined,
    };
  const file = stored.file;
  const known = options.known;
  // What this process already holds (a write re-reading the manifest under the lock): reused, not read again.
  const reusable =
    known !== undefined && !known.needsBase && known.manifest.videoFacts !== undefined
      ? { list: known.manifest.videoFacts, facts: known.facts }
      : undefined;
  try {
    const facts = await readVideoFacts(dir, file.videoFacts, reusable);
    if (
      reusable !== undefined &&
      facts === reusable.facts &&
      known !== undefined &&
      known.manifest.generation === file.generation &&
      known.manifest.id === file.id
    ) {
      return {
        manifest: lazyView(file, views.get(known.manifest) ?? once(() => factsView(facts, file.imports))),
        facts,
        needsBase: false,
        factsProblem: undefined,
      };
    }
    return { manifest: viewOf(file, facts), facts, needsBase: false, factsProblem: undefined };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    // Without a rebuild (doctor, which reads every segment file itself), the view has no videos.
    const facts =
      options.rebuild === false ? new Map<string, VideoFact>() : await factsFromSegmentFiles(dir, file.segmentFiles);
    const problem = `${error.message}; rebuilt from the segment files, without the record of which imported files brought which video and of content already embedded`;
    return { manifest: viewOf(file, facts), facts, needsBase: true, factsProblem: problem };
  }
}

export function viewOf(file: ManifestFile, facts: ReadonlyMap<string, VideoFact>): Manifest {
  return lazyView(
    file,
    once(() => factsView(facts, file.imports)),
  );
}

type PerVideoView = Pick<Manifest, 'videos' | 'contents' | 'imports'>;

/**
 * The view behind each manifest `lazyView` made. A manifest read again at the same generation
 * over the same facts shares its predecessor's (built or not): wrapping it instead would chain
 * every re-read to the one before it, none of them ever freed.
 */
const views = new WeakMap<Manifest, () => PerVideoView>();

function once(build: () => PerVideoView): () => PerVideoView {
  let view: PerVideoView | undefined;
  return () => {
    view ??= build();
    return view;
  };
}

/**
 * `file` with the per-video view (videos, contents, import records with their videos) built on
 * first read of any of them: at 50k videos building it is a tenth of a second that `stats` and
 * most reads never need. A spread or JSON.stringify of the manifest reads (and builds) it.
 */
function lazyView(file: ManifestFile, view: () => PerVideoView): Manifest {
  const manifest: Manifest = {
    ...file,
    get imports() {
      return view().imports;
    },
    get videos() {
      return view().videos;
    },
    get contents() {
      return view().contents;
    },
  };
  views.set(manifest, view);
  return manifest;
}

/** Segments and duration of each video, counted from the listed segment files (each checked by its checksum). */
async function factsFromSegmentFiles(
  dir: string,
  entries: readonly SegmentFileEntry[],
): Promise<Map<string, VideoFact>> {
  const { decodeSegmentFile } = await import('./segment-file.js');
  const facts = new Map<string, VideoFact>();
  for (const entry of entries) {
    const path = join(dir, SEGMENTS_DIR, entry.name);
    const bytes = await readSegmentBytes(path).catch((error: unknown) => {
      throw new StoreError(
        `cannot rebuild the video facts: segment file ${path} cannot be read (${(error as Error).message}); ${RECOVER}`,
        { cause: error },
      );
    });
    if (bytes.byteLength !== entry.bytes || (entry.sha256 !== undefined && sha256Hex(bytes) !== entry.sha256)) {
      throw new StoreError(
        `cannot rebuild the video facts: segment file ${path} does not match its size and sha256 in the manifest (damaged); ${RECOVER}`,
      );
    }
    const file = decodeSegmentFile(entry.name, bytes);
    for (let row = 0; row < file.count; row++) {
      const id = file.string('video_id', row);
      const fact = facts.get(id) ?? { segments: 0, durationSec: 0, imports: [], contents: [] };
      fact.segments++;
      fact.durationSec = Math.max(fact.durationSec, file.endSec[row] as number);
      facts.set(id, fact);
    }
  }
  return facts;
}
