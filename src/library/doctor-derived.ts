import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexMismatchError } from '../errors.js';
import { checkSavedGraph, type IndexSidecar, readSidecar, SIDECAR_FILE } from '../index/index.js';
import { decodeFactsFile, encodeFactsFile, FACTS_FILE } from '../query/facts-file.js';
import type { LabelFactsData } from '../query/label-facts-data.js';
import type { Manifest } from '../store/manifest.js';
import type { DoctorProblem } from './doctor-report.js';
import type { StoreLabels } from './doctor-store.js';
import { fingerprintOf } from './fingerprint.js';
import { INDEX_DIR } from './index-dir.js';
import { SKETCH_TOLERANCE, SKETCH_WIDTH, writeSketch } from './vector-sketch.js';

const REBUILT_ON_OPEN =
  'searches rebuild it from the store on each open until it is repaired (`doctor({ repair: true })`)';

/** The HNSW graph and its sidecar against the store: readable, whole, of this library, covering exactly its labels. */
export async function checkGraph(
  dir: string,
  manifest: Manifest,
  store: StoreLabels | undefined,
): Promise<DoctorProblem[]> {
  const indexDir = join(dir, INDEX_DIR);
  const sidecarFile = join(INDEX_DIR, SIDECAR_FILE);
  let sidecar: IndexSidecar;
  try {
    const read = await readSidecar(indexDir);
    if (read === undefined)
      return [
        {
          file: sidecarFile,
          kind: 'index-missing',
          message: `the library has no saved HNSW index; ${REBUILT_ON_OPEN}`,
          repaired: false,
        },
      ];
    sidecar = read.sidecar;
  } catch (error) {
    return [
      {
        file: sidecarFile,
        kind: 'sidecar-damaged',
        message: `${describe(error)}; ${REBUILT_ON_OPEN}`,
        repaired: false,
      },
    ];
  }
  const graphFile = join(INDEX_DIR, sidecar.graph);
  let labels: Uint32Array | undefined;
  let marks: Uint8Array | undefined;
  const dimension = manifest.dimension ?? 0;
  let otherVector: number | undefined;
  const sketch = new Float64Array(SKETCH_WIDTH);
  const compare = (label: number, vector: Float32Array): void => {
    if (otherVector !== undefined || store === undefined || label >= store.present.length || store.present[label] !== 1)
      return;
    writeSketch(vector, 0, dimension, sketch, 0);
    for (let k = 0; k < SKETCH_WIDTH; k++)
      if (!(Math.abs((sketch[k] as number) - (store.sketches[label * SKETCH_WIDTH + k] as number)) <= SKETCH_TOLERANCE))
        otherVector = label;
  };
  try {
    const facts = await checkSavedGraph(indexDir, sidecar, {
      dimension,
      metric: 'cosine',
      labels: true,
      onVector: compare,
    });
    labels = facts.labels;
    marks = facts.deletedMarks;
  } catch (error) {
    return [
      {
        file: graphFile,
        kind: 'graph-damaged',
        message: `${describe(error)}; it is never handed to hnswlib, and ${REBUILT_ON_OPEN}`,
        repaired: false,
      },
    ];
  }
  const files = manifest.segmentFiles.map((entry) => entry.name);
  const present = new Set(files);
  // Rows added since the graph was saved, and labels removed since, are applied when it is read (index-sync.ts recordSegmentChange).
  const partial = sidecar.labelsBelow !== undefined && sidecar.files.every((name) => present.has(name));
  if (sidecar.fingerprint !== fingerprintOf(files) && !partial) {
    return [
      {
        file: sidecarFile,
        kind: 'index-stale',
        message: `the saved index covers other segment files than the manifest lists; the next open brings it up to date (or rebuilds it), at a cost`,
        repaired: false,
      },
    ];
  }
  if (store === undefined || labels === undefined || marks === undefined) return [];
  const differ =
    labelDifference(labels, marks, sidecar, store.present) ??
    (otherVector === undefined ? undefined : `its vector for label ${otherVector} is not the store's`);
  return differ === undefined
    ? []
    : [
        {
          file: graphFile,
          kind: 'index-mismatch',
          message: `the graph does not hold exactly the store's segments (${differ}), so searches would miss or invent hits; it must be rebuilt`,
          repaired: false,
        },
      ];
}

/**
 * Whether the graph's points are the store's segments: every point marked deleted is listed so,
 * every live one is stored or listed as removed since (`unmarked`), and the live ones left are
 * every stored segment below the sidecar's bound (all of them without one).
 */
function labelDifference(
  labels: Uint32Array,
  marks: Uint8Array,
  sidecar: Pick<IndexSidecar, 'deleted' | 'unmarked' | 'labelsBelow'>,
  storeLabels: Uint8Array,
): string | undefined {
  const deleted = new Set(sidecar.deleted);
  const unmarked = new Set(sidecar.unmarked);
  const below = sidecar.labelsBelow ?? storeLabels.length;
  let live = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    const stored = label < storeLabels.length && storeLabels[label] === 1;
    if (marks[i] === 1) {
      if (!deleted.has(label)) return `label ${label} is marked deleted but the sidecar does not list it`;
      continue;
    }
    if (unmarked.has(label)) {
      if (stored) return `label ${label} is listed as removed but the store holds it`;
      continue;
    }
    if (!stored) return `label ${label} is not in the store`;
    if (label >= below) return `label ${label} is above the sidecar's bound ${below}`;
    live++;
  }
  let stored = 0;
  for (let label = 0; label < Math.min(below, storeLabels.length); label++) stored += storeLabels[label] as number;
  return live === stored ? undefined : `${live} live points for ${stored} stored segments`;
}

/** index/facts.bin against facts gathered from the store now: same bytes, or a problem. */
export async function checkFacts(
  dir: string,
  manifest: Manifest,
  fresh: LabelFactsData | undefined,
): Promise<DoctorProblem[]> {
  const file = join(INDEX_DIR, FACTS_FILE);
  const path = join(dir, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const message = missing
      ? 'the label facts file is missing'
      : `the label facts file cannot be read (${describe(error)})`;
    return [
      {
        file,
        kind: 'facts-missing',
        message: `${message}; the first search of each process gathers the facts from the store until it is repaired`,
        repaired: false,
      },
    ];
  }
  const fingerprint = fingerprintOf(manifest.segmentFiles.map((entry) => entry.name));
  let saved: ReturnType<typeof decodeFactsFile>;
  try {
    saved = decodeFactsFile(bytes, path);
  } catch (error) {
    return [
      {
        file,
        kind: 'facts-damaged',
        message: `${describe(error)}; searches gather the facts from the store instead`,
        repaired: false,
      },
    ];
  }
  if (saved.fingerprint !== fingerprint)
    return [
      {
        file,
        kind: 'facts-stale',
        message: 'the label facts were written for other segment files; the next search gathers them again',
        repaired: false,
      },
    ];
  if (fresh === undefined) return [];
  const expected = encodeFactsFile(fresh, fingerprint);
  if (Buffer.compare(Buffer.from(expected), bytes) !== 0) {
    return [
      {
        file,
        kind: 'facts-wrong',
        message:
          'the label facts do not match the segment files (video ids, times or options differ), so hits would be labelled wrongly; they must be gathered again',
        repaired: false,
      },
    ];
  }
  return [];
}

function describe(error: unknown): string {
  if (error instanceof IndexMismatchError)
    return error.message
      .replace(/; run `vsearch build` to rebuild the index$/, '')
      .replace(/; it is rebuilt from the store$/, '');
  return error instanceof Error ? error.message : String(error);
}
