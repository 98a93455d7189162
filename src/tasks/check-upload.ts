import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { detectMediaType, type MediaFacts, probeMedia } from '../media/index.js';
import { MARENGO_VIDEO, type TaskError, uploadProblem } from './upload-requirements.js';

/** What the API reports of an uploaded video (a task's system_metadata). */
interface UploadFacts {
  filename: string;
  duration?: number;
  fps?: number;
  width?: number;
  height?: number;
  size?: number;
}

export interface UploadCheck {
  facts: UploadFacts;
  /** Why the API would refuse the file; undefined when it meets every prerequisite. */
  problem: TaskError | undefined;
}

/** Reads a file's media facts and checks them against the documented prerequisites, sending nothing anywhere. */
export async function checkUpload(path: string, maxBytes: number = MARENGO_VIDEO.maxBytes): Promise<UploadCheck> {
  const filename = basename(path);
  let facts: MediaFacts | undefined;
  try {
    const size = (await stat(path)).size;
    if (size > maxBytes) {
      return {
        facts: { filename, size },
        problem: uploadProblem(
          {
            durationSec: undefined,
            fps: undefined,
            width: undefined,
            height: undefined,
            sizeBytes: size,
            hasVideo: false,
            hasAudio: false,
          },
          maxBytes,
        ),
      };
    }
    const type = await detectMediaType(path);
    facts = type.ok && type.type.modality === 'video' ? await probeMedia(path) : undefined;
  } catch (error) {
    return {
      facts: { filename },
      problem: {
        code: 'parameter_invalid',
        message: `The video file cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      },
    };
  }
  const known: UploadFacts = {
    filename,
    ...(facts?.durationSec === undefined ? {} : { duration: facts.durationSec }),
    ...(facts?.fps === undefined ? {} : { fps: facts.fps }),
    ...(facts?.width === undefined ? {} : { width: facts.width }),
    ...(facts?.height === undefined ? {} : { height: facts.height }),
    ...(facts === undefined ? {} : { size: facts.sizeBytes }),
  };
  return { facts: known, problem: uploadProblem(facts, maxBytes) };
}
