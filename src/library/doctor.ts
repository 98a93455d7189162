import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LibraryNotFoundError } from '../errors.js';
import { SIDECAR_FILE } from '../index/index.js';
import { FACTS_FILE } from '../query/facts-file.js';
import { MANIFEST_FILE } from '../store/manifest.js';
import { type ManifestRecovery, recoverManifest } from '../store/recover-manifest.js';
import { SEGMENTS_DIR, SegmentStore } from '../store/segment-store.js';
import { checkFacts, checkGraph } from './doctor-derived.js';
import {
  type DoctorOptions,
  type DoctorProblem,
  type DoctorReport,
  isDerivedProblem,
  isFactsProblem,
} from './doctor-report.js';
import { checkStore } from './doctor-store.js';
import { syncFacts } from './facts-sync.js';
import { INDEX_DIR } from './index-dir.js';
import { chosenKind, syncIndex } from './index-sync.js';

/**
 * Checks a library on disk without opening it as a Library (which would rebuild damaged
 * derived files on the way): the manifest, every segment file, the HNSW graph and sidecar,
 * and the label facts, each against the store. With `repair`, rebuilds the derived files
 * (index/) from the store under the write lock, then checks again: problems still found are
 * reported as not repaired.
 */
export async function runDoctor(dir: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const first = await examine(dir);
  if (options.repair !== true || first.problems.length === 0) return first;
  const notes = await repair(dir, first.problems, options);
  const after = await examine(dir);
  const left = new Set(after.problems.map(keyOf));
  const problems = first.problems.map((problem) => {
    const note = notes.get(keyOf(problem));
    return {
      ...problem,
      repaired: !left.has(keyOf(problem)),
      ...(note === undefined || !left.has(keyOf(problem))
        ? {}
        : { message: `${problem.message} (not repaired: ${note})` }),
    };
  });
  // A repair may uncover what the first pass could not see (a rebuilt index checked against the store).
  const fresh = after.problems.filter((problem) => !first.problems.some((p) => keyOf(p) === keyOf(problem)));
  const all = [...problems, ...fresh];
  return { healthy: all.every((problem) => problem.repaired), problems: all, checked: after.checked };
}

async function examine(dir: string): Promise<DoctorReport> {
  const hasSegments = await isDirectory(join(dir, SEGMENTS_DIR));
  if (!hasSegments && !(await isDirectory(dir)))
    throw new LibraryNotFoundError(
      `no vsearch library at ${dir}: the folder does not exist; pass the library's folder as \`dir\``,
    );
  const store = await checkStore(dir, hasSegments);
  const problems = [...store.problems];
  const checked: DoctorReport['checked'] = {
    manifest: store.manifest !== undefined,
    segmentFiles: store.segmentFiles,
    segments: store.segments,
    index: 'none',
    graph: false,
    facts: false,
  };
  const manifest = store.manifest;
  if (manifest !== undefined && manifest.dimension !== null && manifest.counts.segments > 0) {
    checked.index = chosenKind({ manifest });
    if (checked.index === 'hnsw') {
      problems.push(...(await checkGraph(dir, manifest, store.labels)));
      checked.graph = true;
    }
    problems.push(...(await checkFacts(dir, manifest, store.facts)));
    checked.facts = true;
  }
  return { healthy: problems.length === 0, problems, checked };
}

/** What each problem's repair could not do, keyed by problem; derived files are removed and rebuilt. */
async function repair(
  dir: string,
  problems: readonly DoctorProblem[],
  options: DoctorOptions,
): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const store = problems.filter((problem) => !isDerivedProblem(problem.kind));
  const recovery = store.some((problem) => MANIFEST_KINDS.has(problem.kind))
    ? await recoverTheManifest(dir, options)
    : undefined;
  for (const problem of store) notes.set(keyOf(problem), repairStoreProblem(problem, recovery));
  const recovered = recovery !== undefined && typeof recovery !== 'string';
  const derived = problems.filter((problem) => isDerivedProblem(problem.kind));
  if (derived.length === 0 && !recovered) return notes;
  const storeSound = store.every((problem) => recovered && MANIFEST_KINDS.has(problem.kind));
  if (!storeSound) {
    for (const problem of derived)
      notes.set(keyOf(problem), 'the store has problems of its own; derived files are rebuilt once it is sound');
    return notes;
  }
  const warnings: string[] = [];
  const collect = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  try {
    // The video-facts table is derived from the segment files: an open rebuilds it in memory, a write stores it.
    if (derived.some((problem) => problem.kind === 'video-facts-damaged'))
      await (await SegmentStore.open(dir)).rewriteVideoFacts();
    const opened = await SegmentStore.open(dir);
    // As a write of the store, so the rebuilt graph is saved for the generation on disk.
    await opened.write(async () => {
      // Remove what is named damaged so the rebuild starts from the store alone (a graph can pass every check and still hold other labels).
      // A recovered manifest may label segments anew, so everything derived is rebuilt after one.
      if (
        recovered ||
        derived.some((problem) => !isFactsProblem(problem.kind) && problem.kind !== 'video-facts-damaged')
      )
        await rm(join(dir, INDEX_DIR, SIDECAR_FILE), { force: true });
      if (recovered || derived.some((problem) => isFactsProblem(problem.kind)))
        await rm(join(dir, INDEX_DIR, FACTS_FILE), { force: true });
      await syncIndex(opened, { onWarning: collect });
      await syncFacts(opened, { onWarning: collect });
    });
  } catch (error) {
    warnings.push(error instanceof Error ? error.message : String(error));
  }
  const note =
    warnings.length === 0 ? 'the rebuilt file did not pass the check' : (warnings[warnings.length - 1] as string);
  for (const problem of derived) notes.set(keyOf(problem), note);
  return notes;
}

const MANIFEST_KINDS: ReadonlySet<DoctorProblem['kind']> = new Set([
  'manifest-missing',
  'manifest-damaged',
  'manifest-inconsistent',
]);

/** Rebuilds manifest.json from the intact segment files (as a new generation); a string says why it could not. */
async function recoverTheManifest(dir: string, options: DoctorOptions): Promise<ManifestRecovery | string> {
  try {
    const recovery = await recoverManifest(dir);
    const setAside = recovery.setAside.map((file) => `${file.name} (${file.reason}; moved to ${file.movedTo})`);
    options.onWarning?.(
      [
        `recovered ${MANIFEST_FILE} (it was ${recovery.previous}) from ${recovery.used.length} segment file(s) as generation ${recovery.generation}: ${recovery.segments} segments of ${recovery.videos} videos`,
        ...(setAside.length === 0 ? [] : [`set aside, not deleted: ${setAside.join('; ')}`]),
        ...recovery.notes,
      ].join('; '),
    );
    return recovery;
  } catch (error) {
    return `recovering the manifest from the segment files failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function repairStoreProblem(problem: DoctorProblem, recovery: ManifestRecovery | string | undefined): string {
  if (MANIFEST_KINDS.has(problem.kind))
    return typeof recovery === 'string' ? recovery : 'the recovered manifest still fails the check';
  return 'a segment file is the source of truth: restore it from a backup, or remove the video (`vsearch rm`) and import it again';
}

function keyOf(problem: DoctorProblem): string {
  return `${problem.kind}\u0000${problem.file}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
