import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useSuiteTempDir, useTempDirs } from '../helpers/temp-dir.js';
import { missingPublicTypes } from './public-types.js';

const CONFIG = join(PROJECT_ROOT, 'tsconfig.json');
const CONSUMER = join(PROJECT_ROOT, 'test', 'types', 'consumer');
const TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const API_KEY = 'tlk_public-api-consumer';

describe('the public entry (src/vsearch.ts)', () => {
  const tempDir = useTempDirs();

  it('exports every named type that a signature reachable from it uses', () => {
    expect(missingPublicTypes(join(PROJECT_ROOT, 'src', 'vsearch.ts'), join(PROJECT_ROOT, 'src'), CONFIG)).toEqual([]);
  }, 120_000);

  it('the walk finds a type a signature uses that the entry leaves out (so the check above can fail)', async () => {
    const dir = await tempDir();
    const entry = join(dir, 'entry.ts');
    await writeFile(
      join(dir, 'parts.ts'),
      'export interface Hidden { a: number }\nexport interface Shown { b: number }\nexport interface Nested { hidden: Hidden[] }\n',
    );
    await writeFile(
      entry,
      "import type { Nested, Shown } from './parts.js';\nexport type { Shown };\nexport function make(shown: Shown): Nested { return { hidden: [{ a: shown.b }] }; }\n",
    );
    expect(missingPublicTypes(entry, dir, CONFIG).map((m) => `${m.name} <- ${m.usedBy}`)).toEqual([
      'Hidden <- Nested.hidden',
      'Nested <- make',
    ]);
  }, 120_000);
});

describe('a strict consumer that imports only from the package entry', () => {
  const emu = useEmulator({ apiKey: API_KEY, taskDelayMs: 50, seed: 1 });
  // Inside the package (not under tmp), so that `import 'vsearch'` resolves by package.json "exports".
  const outDir = useSuiteTempDir({ parent: CONSUMER, prefix: 'out-' });
  const tempDir = useTempDirs();

  it('compiles, builds a library with an exported client through lib.build(), and searches it', async () => {
    const out = outDir();
    const compiled = spawnSync(process.execPath, [TSC, '-p', join(CONSUMER, 'tsconfig.json'), '--outDir', out], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);

    const lib = await tempDir();
    const media = join(PROJECT_ROOT, 'data', 'media-samples', 'bbb-3sec.mp4');
    // Asynchronously: the emulator answers from this process.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(out, 'consumer.js'), lib, media, emu().baseUrl, API_KEY],
      { encoding: 'utf8', timeout: 240_000 },
    );
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      videos: 1,
      failures: 0,
      refused: 'InputError',
      isVsearchError: true,
      cachedQueries: 1,
    });
    expect(result['segments']).toBeGreaterThan(0);
    expect(result['progressCalls']).toBeGreaterThan(0);
    expect(result['totalResults']).toBeGreaterThan(0);
    expect(result['firstClip']).toMatchObject({ video_id: expect.any(String), metadata: { source: 'consumer' } });
    expect(result['firstVideoClips']).toBeGreaterThan(0);
  }, 480_000);
});
