import { stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { EmbeddingService, EmbedRequest } from '../embed/embedding-service.js';
import { AbortError, InputError } from '../errors.js';
import { detectMediaType, type MediaFacts, mediaTypeFromExtension, probeMedia } from '../media/index.js';
import {
  type SegmentRows,
  SegmentRowsBuilder,
  type SegmentStore,
  sha256Hex,
  TaskJournal,
  type VideoMedia,
} from '../store/index.js';
import { type EmbeddingSegment, KNOWN_MODELS, type Metadata, type Modality, type ModelName } from '../types.js';
import type { BuildOptions, BuildProgress, BuildSummary } from './build-types.js';
import { contentKey, sha256OfFile } from './content-key.js';
import { ASSET_SCHEME, discoverInputs, type MediaItem, type SkippedInput } from './discover-inputs.js';
import { preflight, type Route } from './preflight.js';
import { embedByTask as embedTask, type PurchaseContext } from './task-purchase.js';

const DEFAULT_BUILD_MODEL: ModelName = 'marengo3.0';

interface PlannedItem {
  item: MediaItem;
  modality: Modality;
  route: Route;
  key: string;
  sha256: string;
  /** What the API embeds: the file, the URL, or the asset. */
  from: EmbedRequest['source'];
  /** The source its segments record (an asset's names its file too). */
  source: string;
  /** fps, width, height and size read from a local file (stored with the video). */
  media: VideoMedia | undefined;
}

/** An item that is not sent (unsupported, outside the API's limits): reported, not a failure. */
class ItemSkipped extends Error {}

/** An item that cannot be read: a failure of the build, while the rest go on. */
class ItemUnreadable extends Error {}

/**
 * The build pipeline: discover media, check each against the API's limits, skip content
 * the library already holds, embed the rest (sync, or async tasks journaled before polling),
 * and commit each item's segments durably as soon as they arrive.
 */
export async function buildFromMedia(
  store: SegmentStore,
  service: EmbeddingService,
  inputs: readonly string[],
  options: BuildOptions = {},
): Promise<BuildSummary> {
  const started = Date.now();
  const model = chooseModel(store, options.model);
  const apiVersion = model === 'Marengo-retrieval-2.7' ? 'v1' : 'v2';
  const clip = options.clipLengthSec;
  if (clip !== undefined && (!Number.isFinite(clip) || clip < 2 || clip > 10))
    throw new InputError(`\`clipLengthSec\` must be from 2 to 10 seconds, got ${String(clip)}`);
  const journal = new TaskJournal(store.dir);
  const discovered = await discoverInputs(inputs, options.metadata ?? {});
  const summary: BuildSummary = {
    videos: 0,
    segments: 0,
    media_seconds: 0,
    sync_embeds: 0,
    tasks_created: 0,
    tasks_resumed: 0,
    deduplicated: 0,
    duplicates: [],
    skipped: [...discovered.skipped],
    failures: [...discovered.failed],
    elapsed_sec: 0,
  };
  const progress: BuildProgress = {
    total: discovered.items.length,
    done: 0,
    running: 0,
    failed: 0,
    segments: 0,
    elapsedMs: 0,
  };
  const report = (): void => options.onProgress?.({ ...progress, elapsedMs: Date.now() - started });
  let commits: Promise<unknown> = Promise.resolve();
  const commit = (rows: SegmentRows, contents: Record<string, string>, plan: PlannedItem): Promise<void> => {
    const media = plan.media === undefined ? {} : { [plan.item.videoId]: plan.media };
    const next = commits.then(() => store.append(rows, model, { contents, media }));
    commits = next.catch(() => undefined);
    return next.then(() => undefined);
  };
  /** Content keys being embedded in this run, to the video that will hold them. */
  const inFlight = new Map<string, Promise<string>>();

  /** Each item's planning (probe and hash), by input position. */
  const plans: Promise<unknown>[] = [];
  const embedItem = async (item: MediaItem, index: number): Promise<void> => {
    const planning =
      item.assetId === undefined
        ? planItem(item, model, apiVersion, clip, options.signal)
        : planAsset(item, item.assetId, service, { model, apiVersion, clip, signal: options.signal });
    plans[index] = planning;
    const plan = await planning;
    // Claims go in input order (every earlier item has started, so its planning is known): of
    // identical content, the first input is the one stored, however the probes and hashes race.
    await Promise.allSettled(plans.slice(0, index));
    // Checked and claimed with no await in between, so identical content in one run is embedded once.
    const holder = store.manifest.contents[plan.key];
    const pending = inFlight.get(plan.key);
    if (holder !== undefined || pending !== undefined) {
      await aliasItem(item, plan, holder ?? (await pending?.catch(() => undefined)));
      return;
    }
    assertNewVideo(store, item.videoId);
    const claim = embedNew(item, plan);
    inFlight.set(plan.key, claim);
    await claim;
  };

  const embedNew = async (item: MediaItem, plan: PlannedItem): Promise<string> => {
    const request: EmbedRequest = {
      model,
      modality: plan.modality,
      source: plan.from,
      clipLengthSec: clip,
    };
    const segments = plan.route === 'sync' ? await embedSync(request) : await embedByTask(request, plan);
    const rows = rowsOf(segments, item, plan, model, store.manifest.dimension);
    await commit(rows, { [plan.key]: item.videoId }, plan);
    await journal.remove(plan.key);
    summary.media_seconds += Math.max(...rows.endSec);
    countSegments(rows.count);
    return item.videoId;
  };

  const aliasItem = async (item: MediaItem, plan: PlannedItem, holder: string | undefined): Promise<void> => {
    if (holder === undefined) throw new ItemSkipped('identical content earlier in this build failed to embed');
    summary.deduplicated++;
    if (holder === item.videoId) return;
    if (options.keepDuplicates !== true) {
      summary.duplicates.push({ source: item.source, video_id: holder });
      return;
    }
    assertNewVideo(store, item.videoId);
    const copied = await store.segmentsOf(holder);
    if (copied === undefined)
      throw new ItemSkipped(`the library lost the segments of ${holder}; run \`vsearch rm ${holder}\` and build again`);
    await commit(relabel(copied, item, plan), {}, plan);
    countSegments(copied.count);
  };

  // The summary counts API calls that succeeded: an unreachable API leaves every count at 0.
  const embedSync = async (request: EmbedRequest): Promise<EmbeddingSegment[]> => {
    const segments = await service.embedNow(request, options.signal);
    summary.sync_embeds++;
    return segments;
  };

  const purchases: PurchaseContext = {
    journal,
    service,
    model,
    signal: options.signal,
    warn: (message) => options.onWarning?.(message),
    counts: summary,
  };
  const embedByTask = (request: EmbedRequest, plan: PlannedItem): Promise<EmbeddingSegment[]> =>
    embedTask(purchases, {
      key: plan.key,
      sha256: plan.sha256,
      request,
      source: plan.item.source,
      videoId: plan.item.videoId,
    });

  const countSegments = (count: number): void => {
    summary.videos++;
    summary.segments += count;
    progress.segments += count;
  };

  /** Per item, so the summary lists skips and failures in input order whatever the concurrency. */
  const outcomes: Array<{ skipped?: SkippedInput; failure?: SkippedInput }> = [];
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(
    discovered.items.map((item, index) =>
      limit(async () => {
        if (options.signal?.aborted) return;
        progress.running++;
        report();
        try {
          await embedItem(item, index);
        } catch (error) {
          if (isAbort(error, options.signal)) return;
          progress.failed++;
          const reason = error instanceof Error ? error.message : String(error);
          outcomes[index] =
            error instanceof ItemSkipped
              ? { skipped: { source: item.source, reason } }
              : { failure: { source: item.source, reason } };
        } finally {
          progress.running--;
          progress.done++;
          report();
        }
      }),
    ),
  );
  await commits;
  for (const outcome of outcomes) {
    if (outcome?.skipped !== undefined) summary.skipped.push(outcome.skipped);
    if (outcome?.failure !== undefined) summary.failures.push(outcome.failure);
  }
  if (options.signal?.aborted)
    throw new AbortError(
      'the build was interrupted; finished items are saved, and a rerun resumes the journaled tasks',
    );
  summary.elapsed_sec = (Date.now() - started) / 1000;
  return summary;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || error instanceof AbortError;
}

function chooseModel(store: SegmentStore, requested: string | undefined): ModelName {
  const libraryModel = store.manifest.model;
  if (requested !== undefined && libraryModel !== null && requested !== libraryModel) {
    throw new InputError(
      `this library holds ${libraryModel} embeddings; ${requested} embeddings are not comparable with them, so build a separate library (another \`dir\`)`,
    );
  }
  const model = requested ?? libraryModel ?? DEFAULT_BUILD_MODEL;
  if (!(KNOWN_MODELS as readonly string[]).includes(model)) {
    throw new InputError(
      `the TwelveLabs API has no model ${JSON.stringify(model)}; use one of ${KNOWN_MODELS.join(', ')}`,
    );
  }
  return model as ModelName;
}

function assertNewVideo(store: SegmentStore, videoId: string): void {
  if (store.manifest.videos[videoId] !== undefined) {
    throw new ItemSkipped(
      `the library already has a video ${JSON.stringify(videoId)} with other content; \`vsearch rm ${videoId}\` first to replace it, or give it another video_id`,
    );
  }
}

async function planItem(
  item: MediaItem,
  model: ModelName,
  apiVersion: 'v1' | 'v2',
  clip: number | undefined,
  signal: AbortSignal | undefined,
): Promise<PlannedItem> {
  let modality: Modality;
  let sizeBytes: number | undefined;
  let durationSec: number | undefined;
  let media: VideoMedia | undefined;
  let sha256: string;
  if (item.isUrl) {
    const type = mediaTypeFromExtension(new URL(item.source).pathname);
    if (type === undefined)
      throw new ItemSkipped(
        'cannot tell the media type of this URL from its name; name the file with its extension (.mp4, .mp3, .jpg, ...)',
      );
    modality = type.modality;
    sha256 = sha256Hex(`url:${item.source}`);
  } else {
    const verdict = await detectMediaType(item.source).catch((error: unknown) => {
      throw new ItemUnreadable(`cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    });
    if (!verdict.ok) throw new ItemSkipped(verdict.reason);
    modality = verdict.type.modality;
    sizeBytes = (await stat(item.source)).size;
    if (modality === 'video' || modality === 'audio' || modality === 'image') {
      const facts = await probeMedia(item.source).catch(() => undefined);
      durationSec = modality === 'image' ? undefined : facts?.durationSec;
      media = mediaOf(facts, sizeBytes);
    }
    sha256 = await sha256OfFile(item.source, signal);
  }
  return preparedItem(
    {
      item,
      modality,
      sha256,
      media,
      from: item.isUrl ? { url: item.source } : { file: item.source },
      source: item.source,
    },
    { model, apiVersion, clip, sizeBytes, durationSec },
  );
}

/** The plan for an item whose content is known: refused before anything is sent when the API would refuse it. */
function preparedItem(
  content: Pick<PlannedItem, 'item' | 'modality' | 'sha256' | 'media' | 'from' | 'source'>,
  limits: {
    model: ModelName;
    apiVersion: 'v1' | 'v2';
    clip: number | undefined;
    sizeBytes: number | undefined;
    durationSec: number | undefined;
  },
): PlannedItem {
  const { model, apiVersion, clip, sizeBytes, durationSec } = limits;
  const { modality, sha256 } = content;
  const verdict = preflight({ modality, apiVersion, sizeBytes, durationSec });
  if (!verdict.ok) throw new ItemSkipped(`not sent: ${verdict.reason}`);
  return {
    ...content,
    route: verdict.route,
    key: contentKey({ sha256, model, modality, clipLengthSec: clip }),
  };
}

/**
 * An asset the API already holds: its facts come from the assets API (it must be ready), and it
 * is embedded from there (v2 only), sync or by task as its duration and size say.
 */
async function planAsset(
  item: MediaItem,
  assetId: string,
  service: EmbeddingService,
  settings: { model: ModelName; apiVersion: 'v1' | 'v2'; clip: number | undefined; signal: AbortSignal | undefined },
): Promise<PlannedItem> {
  const { model, apiVersion, clip } = settings;
  if (apiVersion === 'v1')
    throw new ItemSkipped(
      `${model} (the v1 API) cannot embed an asset; index assets into a marengo3.0 or marengo3.5 library`,
    );
  const asset = await service.getAsset(assetId, settings.signal);
  if (asset === undefined) throw new ItemUnreadable(`the API has no asset ${assetId} (404)`);
  if (asset.status !== 'ready')
    throw new ItemSkipped(`not sent: asset ${assetId} is ${asset.status}; index it once its status is ready`);
  const filename = (asset.filename ?? assetId).replace(/\//g, '_');
  const type = mediaTypeFromExtension(filename);
  const mime = asset.fileType ?? '';
  const modality: Modality =
    type?.modality ?? (mime.startsWith('audio/') ? 'audio' : mime.startsWith('image/') ? 'image' : 'video');
  return preparedItem(
    {
      item,
      modality,
      sha256: sha256Hex(`asset:${assetId}`),
      media: mediaOf(asset.video, asset.size),
      from: { assetId },
      source: `${ASSET_SCHEME}${assetId}/${filename}`,
    },
    { model, apiVersion, clip, sizeBytes: asset.size, durationSec: asset.duration },
  );
}

/** What is kept of a file's facts: each one only when the file told it. */
function mediaOf(
  facts: Partial<Pick<MediaFacts, 'fps' | 'width' | 'height'>> | undefined,
  sizeBytes: number | undefined,
): VideoMedia {
  return {
    ...(facts?.fps === undefined ? {} : { fps: facts.fps }),
    ...(facts?.width === undefined ? {} : { width: facts.width }),
    ...(facts?.height === undefined ? {} : { height: facts.height }),
    ...(sizeBytes === undefined ? {} : { sizeBytes }),
  };
}

/** Images and text have no timeline: they are stored as one segment spanning 0-1 s. */
function timesOf(segment: EmbeddingSegment, modality: Modality): [number, number] {
  if (modality === 'image' || modality === 'text' || !(segment.endSec > segment.startSec)) return [0, 1];
  return [segment.startSec, segment.endSec];
}

function rowsOf(
  segments: readonly EmbeddingSegment[],
  item: MediaItem,
  plan: PlannedItem,
  model: string,
  dimension: number | null,
): SegmentRows {
  if (segments.length === 0) throw new ItemSkipped('the API returned no segments for it');
  const builder = new SegmentRowsBuilder(dimension ?? undefined);
  segments.forEach((segment, i) => {
    const [startSec, endSec] = timesOf(segment, plan.modality);
    builder.add(
      {
        videoId: item.videoId,
        vector: segment.vector,
        startSec,
        endSec,
        source: plan.source,
        contentSha256: plan.sha256,
        modality: plan.modality,
        embeddingOption: segment.embeddingOption,
        embeddingScope: segment.embeddingScope,
        modelName: model,
        metadata: item.metadata,
      },
      { file: `the API's answer for ${item.source}`, line: i + 1 },
    );
  });
  return builder.build();
}

/** The stored segments of identical content, under this item's id, source and metadata. */
function relabel(rows: SegmentRows, item: MediaItem, plan: PlannedItem): SegmentRows {
  const metadata = JSON.stringify(item.metadata satisfies Metadata);
  return {
    ...rows,
    videoId: rows.videoId.map(() => item.videoId),
    source: rows.source.map(() => plan.source),
    contentSha256: rows.contentSha256.map(() => plan.sha256),
    metadata: rows.metadata.map(() => metadata),
  };
}
