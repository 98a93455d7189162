import { InputError } from '../errors.js';
import { mismatchAsQuery } from '../media/media-type.js';

const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/**
 * Each local file of --image, --audio and --video checked by its first bytes before anything
 * is embedded, so a text file passed as --image is refused (exit 2) instead of sent to the API.
 * URLs are left to the API, which fetches them.
 */
export async function assertQueryMedia(
  media: Readonly<Record<'image' | 'audio' | 'video', readonly string[] | undefined>>,
): Promise<void> {
  for (const modality of ['image', 'audio', 'video'] as const) {
    for (const source of media[modality] ?? []) {
      if (isUrl(source)) continue;
      let problem: string | undefined;
      try {
        problem = await mismatchAsQuery(source, modality);
      } catch (error) {
        throw new InputError(
          `cannot read the --${modality} file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          { file: source },
        );
      }
      if (problem !== undefined) throw new InputError(`not usable as --${modality}: ${problem}`, { file: source });
    }
  }
}
