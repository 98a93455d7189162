import type { Asset } from '../embed/index.js';
import { MARENGO_VIDEO, type TaskError, uploadProblem } from './upload-requirements.js';
import type { UploadTask } from './upload-tasks.js';

type AssetFacts = NonNullable<UploadTask['system_metadata']>;

/** What the assets API says of an asset, as an indexed asset's system_metadata (each field only when given). */
export function assetFacts(asset: Asset): AssetFacts {
  const video = asset.video;
  return {
    filename: asset.filename ?? asset.id,
    ...(asset.duration === undefined ? {} : { duration: asset.duration }),
    ...(video?.fps === undefined ? {} : { fps: video.fps }),
    ...(video?.width === undefined ? {} : { width: video.width }),
    ...(video?.height === undefined ? {} : { height: video.height }),
    ...(asset.size === undefined ? {} : { size: asset.size }),
  };
}

const VIDEO_NAME = /\.(mp4|mov|mkv|webm|avi)$/i;

/**
 * Why an asset cannot be indexed, checked before anything is sent: it must be ready and a video
 * that meets the Marengo prerequisites the assets API lets us see (duration, size, and the
 * resolution when the API gives it). Undefined when nothing stands in the way.
 */
export function assetProblem(asset: Asset): TaskError | undefined {
  if (asset.status !== 'ready')
    return {
      code: 'parameter_invalid',
      message: `The asset_id parameter is invalid. Asset ${asset.id} is ${asset.status}; the asset status must be ready (poll GET /assets/${asset.id}).`,
    };
  const isVideo = asset.fileType?.startsWith('video/') === true || VIDEO_NAME.test(asset.filename ?? '');
  if (!isVideo)
    return {
      code: 'unsupported_media_type',
      message: `Asset ${asset.id} is not a video (${asset.fileType ?? 'no file type given'}); an index takes video assets.`,
    };
  return uploadProblem(
    {
      durationSec: asset.duration,
      fps: asset.video?.fps,
      width: asset.video?.width,
      height: asset.video?.height,
      sizeBytes: asset.size ?? 0,
      hasVideo: true,
      hasAudio: false,
    },
    MARENGO_VIDEO.maxBytes,
    true,
  );
}
