import { spawnSync } from 'node:child_process';
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openLibrary } from '../../src/library/index.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { exactClips } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { startServeCli } from '../helpers/serve-cli.js';

export const DIM = 16;
export const MODEL = 'fault-test-model';
const QUERY_TEXT = 'the query the fault table asks';
const QUERY = testVector(DIM, 424242);

function videoSegments(first: number, videos: number): JsonlSegment[] {
  return Array.from({ length: videos }, (_, v) => clipSegments(`video-${first + v}`, 10, DIM, first + v + 1)).flat();
}

export interface Fixture {
  /**
   * A healthy HNSW library with the query text cached: 2500 segments, past the 2000 below which
   * searches scan exactly, so the graph is searched; ef above its size, so its answers are exact.
   */
  pristine: string;
  segments: JsonlSegment[];
  extra: JsonlSegment[];
  extraFile: string;
  queryFile: string;
  /** A graph file of another library of exactly the same size and shape. */
  foreignGraph: string;
}

async function makeLibrary(dir: string, segments: readonly JsonlSegment[]): Promise<void> {
  const created = await openLibrary(dir, { create: true, index: { kind: 'hnsw', ef: 4000 } });
  await created.close();
  const file = await writeJsonl(join(dir, '..'), `${dir.split('/').pop() ?? 'lib'}.jsonl`, segments);
  const run = runCli(['build', '--from', file, '--model', MODEL, '--lib', dir]);
  if (run.status !== 0) throw new Error(`fixture build failed: ${run.stderr}`);
}

export async function makeFixture(root: string): Promise<Fixture> {
  const segments = videoSegments(0, 250);
  // Videos the library does not hold yet: a span stored twice is listed once, so extra rows must be new ones.
  const extra = videoSegments(1000, 3);
  const pristine = join(root, 'pristine');
  await makeLibrary(pristine, segments);
  const lib = await openLibrary(pristine);
  await lib.cacheQuery({ modality: 'text', text: QUERY_TEXT }, QUERY);
  await lib.close();
  const foreign = join(root, 'foreign');
  await makeLibrary(foreign, videoSegments(500, 250));
  const foreignSidecar = JSON.parse(await readFile(join(foreign, 'index', 'sidecar.json'), 'utf8')) as {
    graph: string;
  };
  const queryFile = join(root, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  return {
    pristine,
    segments,
    extra,
    extraFile: await writeJsonl(root, 'extra.jsonl', extra),
    queryFile,
    foreignGraph: join(foreign, 'index', foreignSidecar.graph),
  };
}

export async function copyLibrary(fixture: Fixture, to: string): Promise<string> {
  await cp(fixture.pristine, to, { recursive: true });
  return to;
}

/** The exact scan's top 10 for the fault table's query, as video@start keys. */
function exactTop10(segments: readonly JsonlSegment[]): string[] {
  return exactClips(segments, [QUERY])
    .slice(0, 10)
    .map((hit) => `${hit.video}@${hit.start}`);
}

function keysOf(response: { data: { video_id: string; start: number }[] }): string[] {
  return response.data.map((hit) => `${hit.video_id}@${hit.start}`);
}

export function expectNoSignal(run: CliResult, what: string): void {
  expect(run.signal, `${what} died of ${String(run.signal)}: ${run.stderr}`).toBeNull();
}

/** `vsearch query --vector` through the real CLI: no signal, exit 0, the exact scan's top 10. */
export function expectExactQuery(lib: string, fixture: Fixture, segments: readonly JsonlSegment[]): CliResult {
  const run = runCli(['query', '--vector', fixture.queryFile, '--lib', lib, '--limit', '10', '--json', '--offline']);
  expectNoSignal(run, 'query');
  expect(run.status, run.stderr).toBe(0);
  expect(keysOf(JSON.parse(run.stdout) as { data: { video_id: string; start: number }[] })).toEqual(
    exactTop10(segments),
  );
  return run;
}

/**
 * `vsearch serve` through the real CLI: one POST /v1.3/search by the cached query text; the
 * process must answer it with the exact top 10, still be alive after, and exit 0 on SIGTERM.
 */
export async function serveOnce(
  lib: string,
  segments: readonly JsonlSegment[],
): Promise<{ stderr: string; signal: NodeJS.Signals | null; status: number | null }> {
  const { child, url, exited, stderr } = await startServeCli(['--lib', lib, '--port', '0']);
  try {
    const manifest = JSON.parse(await readFile(join(lib, 'manifest.json'), 'utf8')) as { id: string };
    const form = new FormData();
    form.append('index_id', manifest.id);
    form.append('query_text', QUERY_TEXT);
    form.append('search_options', 'visual');
    form.append('page_limit', '10');
    const response = await fetch(`${url}/search`, { method: 'POST', body: form });
    const body = (await response.json()) as { data: { video_id: string; start: number }[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(keysOf(body)).toEqual(exactTop10(segments));
    expect(child.exitCode, `serve died: ${stderr()}`).toBeNull();
  } finally {
    child.kill('SIGTERM');
  }
  const [status, signal] = await exited;
  return { stderr: stderr(), signal, status };
}

/** Makes index/ unwritable, even for root (who ignores modes): an immutable flag where chattr works, else mode 0555. */
export function lockDirectory(dir: string): Promise<void> {
  if (process.getuid?.() === 0) {
    const run = spawnSync('chattr', ['+i', dir]);
    if (run.status === 0) return Promise.resolve();
    throw new Error(`cannot make ${dir} read-only as root (chattr: ${run.stderr.toString()})`);
  }
  return chmod(dir, 0o555);
}

export function unlockDirectory(dir: string): Promise<void> {
  if (process.getuid?.() === 0) {
    spawnSync('chattr', ['-i', dir]);
    return Promise.resolve();
  }
  return chmod(dir, 0o755);
}
