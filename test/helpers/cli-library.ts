import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { writeJsonl } from './segments.js';

/**
 * A library at WORK/`name` built by `vsearch build --from WORK/segments.jsonl --model MODEL`
 * through the built CLI, as a user makes one; the test fails here when the build does not exit 0.
 */
export async function buildLibraryWithCli(
  work: string,
  name: string,
  segments: readonly unknown[],
  model: string,
): Promise<string> {
  const lib = join(work, name);
  const built = runCli([
    'build',
    '--lib',
    lib,
    '--from',
    await writeJsonl(work, 'segments.jsonl', segments),
    '--model',
    model,
  ]);
  expect(built.status, built.stderr).toBe(0);
  return lib;
}
