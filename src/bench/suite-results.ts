import type { ArrowThroughput } from './arrow-throughput.js';
import type { EfFigures, LatencyFigures } from './recall-latency.js';

/** One engine's ef sweep: recall@k and latency at each search breadth. */
export interface EngineSweep {
  /** Stable id: hnswlib, vsearch, hnswlib-same-graph, hnswlib-convert, hnswlib-typed-same-graph, hnswlib-stock-same-graph, usearch. */
  engine: string;
  label: string;
  points: EfFigures[];
}

/** A search without a breadth to sweep (exact scans). */
interface ExactFigures extends LatencyFigures {
  engine: string;
  label: string;
  recall: number;
  /** Queries timed (exact scans time a subset on large sets). */
  queries: number;
}

interface RecallSection {
  k: number;
  queries: number;
  /** The reference sweep's engine id (raw hnswlib-node on its own single-threaded build). */
  reference: string;
  sweeps: EngineSweep[];
  exact: ExactFigures[];
  /** tinybench tasks at one ef, cycling through the queries: a second, time-boxed look at the same comparison. */
  headToHead?: HeadToHead;
  /** Two engines timed query by query, interleaved: the ratios the targets are read from. */
  paired?: PairedComparison[];
}

interface PairedComparison {
  /** Engine ids: the ratios are a over b. */
  a: string;
  b: string;
  ef: number;
  queries: number;
  aP50Us: number;
  bP50Us: number;
  aMeanUs: number;
  bMeanUs: number;
  ratioP50: number;
  ratioMean: number;
}

interface HeadToHeadTask {
  engine: string;
  name: string;
  samples: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** Relative margin of error of the mean, in percent. */
  rmePercent: number;
  /** meanUs over the reference task's meanUs. */
  ratio: number;
}

interface HeadToHead {
  ef: number;
  /** The task the ratios divide by. */
  reference: string;
  tasks: HeadToHeadTask[];
}

interface BuildFigures {
  engine: string;
  label: string;
  seconds: number;
  vectorsPerSecond: number;
  /** Recall@k of the built graph at `ef`, so throughputs are compared at equal recall. */
  recall: number;
  ef: number;
  /** The smallest swept ef at which this graph reaches recall@k 0.99 (null: none did). */
  efAtTarget?: number | null;
  /** The graph's parameters when they differ from the section's (vsearch builds with its own defaults). */
  M?: number;
  efConstruction?: number;
}

interface BuildSection {
  count: number;
  M: number;
  efConstruction: number;
  /**
   * The reference build, timed twice, before and after vsearch's (A-B-A, so load drifting
   * on a shared machine weighs on both alike): `seconds` is the mean of the two runs.
   */
  reference: BuildFigures & { runsSeconds?: number[] };
  others: BuildFigures[];
}

interface SpawnTimes {
  /** Wall time of each run, spawn to exit, in milliseconds. */
  runsMs: number[];
  medianMs: number;
}

interface OpenSection {
  /** `node dist/cli/main.js query --vector FILE --lib DIR --json`. */
  cli: SpawnTimes;
  /** A script that only reads the same HNSW file with hnswlib-node and searches once. */
  bare: SpawnTimes;
  /** cli.medianMs / bare.medianMs. */
  ratio: number;
}

interface ProcessMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface MemorySection {
  vectorBytes: number;
  graphBytes: number;
  /** A child process after opening the library and answering one query. */
  library: ProcessMemory;
  /** The bare hnswlib-node script after reading the graph and searching once. */
  bare: ProcessMemory;
  /** library.rss / (vectorBytes + graphBytes). */
  ratio: number;
  /** library.rss / graphBytes: hnswlib's file holds the vectors beside the links, so this is the size of what must be resident. */
  graphFileRatio?: number;
  /** library.rss / bare.rss. */
  bareRatio: number;
}

export interface SetResult {
  set: string;
  description: string;
  count: number;
  dimension: number;
  recall?: RecallSection;
  build?: BuildSection;
  open?: OpenSection;
  memory?: MemorySection;
  arrow?: ArrowThroughput;
  /** Why a section was not measured. */
  skipped?: Record<string, string>;
}

interface PeerStatus {
  status: 'measured' | 'not installed' | 'skipped';
  version?: string;
  reason?: string;
}

export interface SuiteResults {
  name: string;
  generatedAt: string;
  command: string;
  /** `hnswlib` names the addon vsearch ran with (absent in runs made before the native copy existed). */
  environment: {
    node: string;
    platform: string;
    cpu: string;
    cpus: number;
    hnswlib?: { build: 'native' | 'stock'; detail: string };
  };
  peers: Record<string, PeerStatus>;
  sets: SetResult[];
}
