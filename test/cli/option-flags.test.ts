import { describe, expect, it } from 'vitest';
import { inFlagTerms } from '../../src/cli/option-flags.js';

describe('inFlagTerms', () => {
  it.each([
    [
      'no query given: pass `text`, `image`, `audio`, `video`, `vector` or `like`',
      'no query given: pass query text, --image, --audio, --video, --vector or --like',
    ],
    [
      'the library is damaged (`doctor({ repair: true })` recovers a manifest)',
      'the library is damaged (`vsearch doctor --repair` recovers a manifest)',
    ],
    [
      "create one with `openLibrary(dir, { create: true })`, or pass an existing library's folder as `dir`",
      "create one with `vsearch build --lib DIR ...`, or pass an existing library's folder as --lib",
    ],
    ['a larger `index.M` or `index.efConstruction`', 'a larger --index-m or --ef-construction'],
    [
      'the text query "x" is not in the query cache and `offline` forbids calling the API',
      'the text query "x" is not in the query cache and --offline forbids calling the API',
    ],
    ['drop `searchOptions` or pick one of those', 'drop --search-options or pick one of those'],
    ['`minScore` is a cosine similarity from -1 to 1', '--min-score is a cosine similarity from -1 to 1'],
    ['`clipLengthSec` must be from 2 to 10 seconds', '--clip-length must be from 2 to 10 seconds'],
    ['`like` takes VIDEO_ID or VIDEO_ID@SECONDS', '--like takes VIDEO_ID or VIDEO_ID@SECONDS'],
    ['cannot tell which model made these; pass `model`', 'cannot tell which model made these; pass --model'],
  ])('names the options of %j as flags', (message, printed) => {
    expect(inFlagTerms(message)).toBe(printed);
  });

  it('leaves backticked text that names no option as it is', () => {
    expect(inFlagTerms('run `vsearch videos` to list them; `dir` is --lib')).toBe(
      'run `vsearch videos` to list them; --lib is --lib',
    );
    expect(inFlagTerms('the video `abc` is missing')).toBe('the video `abc` is missing');
  });
});
