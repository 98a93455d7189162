import { InputError } from '../errors.js';
import { SegmentStore } from '../store/index.js';
import { chooseBulkLoader } from './bulk-load.js';
import { connectPg, type PgClient, pgError } from './connect.js';
import { ensurePgLibrary } from './library-row.js';
import { migrate } from './migrations.js';
import type { PgTarget } from './target.js';
import { isLegacyDigest, legacyVideoDigest, videoDigest } from './video-digest.js';
import { mergePgVideo, writePgVideo } from './write-video.js';

export interface SyncSummary {
  videos: number;
  segments: number;
  unchanged: number;
}

/**
 * Copies a folder library's videos into PostgreSQL: only those the target lacks or holds
 * with other segments (compared by digest), each in its own transaction, so a killed sync
 * rerun copies what is left and ends with the same set as a clean one.
 */
export async function syncFolderToPg(
  dir: string,
  target: PgTarget,
  onVideo: (videoId: string) => void = () => {},
  say: (line: string) => void = () => {},
): Promise<SyncSummary> {
  const store = await SegmentStore.open(dir);
  const { model, dimension, index } = store.manifest;
  if (model === null || dimension === null) throw new InputError(`library ${dir} is empty: there is nothing to sync`);
  const client = await connectPg(target);
  try {
    await migrate(client);
    await ensurePgLibrary(client, target.library, { model, dimension, index });
    return await copyStoreVideos(client, target.library, store, Object.keys(store.manifest.videos), { onVideo, say });
  } catch (error) {
    throw pgError(error, target, 'syncing to');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Writes the named videos of a folder store into a PostgreSQL library that exists, in id order,
 * each in its own transaction (writePgVideo, or mergePgVideo with `merge`) and only where the digest the database holds
 * differs: a rerun, or another writer that got there first, costs one digest comparison. Writers of one
 * video at once apply one after the other: a sync's video ends as exactly one writer's set, a build's
 * as the builds applied in commit order would leave it; never a mix of torn sets.
 */
export async function copyStoreVideos(
  client: PgClient,
  library: string,
  store: SegmentStore,
  videoIds: Iterable<string>,
  report: {
    onVideo?: ((videoId: string) => void) | undefined;
    say?: ((line: string) => void) | undefined;
    /** Keep a stored video's segments that `store` lacks (a build, as a folder import does) instead of mirroring `store` (a sync). */
    merge?: boolean | undefined;
  } = {},
): Promise<SyncSummary> {
  const held = await client.query<{ video_id: string; digest: string }>(
    'SELECT video_id, digest FROM vsearch_videos WHERE library = $1',
    [library],
  );
  const digests = new Map(held.rows.map((row) => [row.video_id, row.digest]));
  const loader = await chooseBulkLoader(client);
  if (loader === 'insert')
    report.say?.('the server is PGlite, which cannot take COPY over the wire: loading with batched INSERTs');
  const summary: SyncSummary = { videos: 0, segments: 0, unchanged: 0 };
  for (const videoId of [...new Set(videoIds)].sort()) {
    const rows = await store.segmentsOf(videoId);
    if (rows === undefined) continue;
    const digest = videoDigest(rows);
    const stored = digests.get(videoId);
    if (stored === digest) {
      summary.unchanged++;
      continue;
    }
    if (stored !== undefined && isLegacyDigest(stored) && stored === legacyVideoDigest(rows)) {
      // Synced before digests sorted metadata keys: the same segments, so only the digest is rewritten.
      await client.query('UPDATE vsearch_videos SET digest = $3 WHERE library = $1 AND video_id = $2 AND digest = $4', [
        library,
        videoId,
        digest,
        stored,
      ]);
      summary.unchanged++;
      continue;
    }
    if (report.merge === true) {
      // Merged under the video's row lock even when the listing above lacked it: a builder that
      // wrote it since is merged with, as the two builds run in turn would be, not replaced.
      const merged = await mergePgVideo(client, library, videoId, rows, loader);
      if (!merged.written) {
        summary.unchanged++;
        continue;
      }
    } else await writePgVideo(client, library, videoId, rows, digest, loader);
    report.onVideo?.(videoId);
    summary.videos++;
    summary.segments += rows.count;
  }
  return summary;
}
