import { round } from './percentiles.js';
import type { EfFigures } from './recall-latency.js';
import type { EngineSweep, SetResult } from './suite-results.js';

/** The recall the speed targets are stated at. */
export const TARGET_RECALL = 0.99;

export interface TargetRatios {
  /**
   * vsearch end to end / raw hnswlib-node on the same graph, p50, at the smallest ef where
   * vsearch reaches TARGET_RECALL: from the interleaved pair when measured, else the sweeps.
   */
  endToEnd?: { ef: number; recall: number; ratio: number; vsearchP50Us: number; rawP50Us: number };
  /** Plain JS exact scan mean time / vsearch mean time at that ef (interleaved pair when measured). */
  vsScan?: { ef: number; recall: number; speedup: number };
  /** vsearch build vectors/s / single-threaded hnswlib-node vectors/s, each with its recall at the same ef. */
  build?: {
    ratio: number;
    ef: number;
    vsearchRecall: number;
    referenceRecall: number;
    efAtTarget?: { vsearch: number | null; reference: number | null };
  };
  /** CLI open-and-query time / bare hnswlib-node read-and-search time. */
  open?: number;
  /** Resident size / (vector bytes + HNSW file bytes). */
  memory?: number;
}

/** The issue-6 target ratios one set's results support (a field is absent when its section was not run). */
export function targetRatios(set: SetResult): TargetRatios {
  const ratios: TargetRatios = {};
  const sweeps = set.recall?.sweeps ?? [];
  const vsearch = sweepOf(sweeps, 'vsearch');
  const raw = sweepOf(sweeps, 'hnswlib-same-graph');
  const scan = set.recall?.exact.find((figures) => figures.engine === 'plain-js-scan');
  const point = vsearch === undefined ? undefined : firstAtRecall(vsearch.points, TARGET_RECALL);
  const pairedRaw = set.recall?.paired?.find((p) => p.a === 'vsearch' && p.b === 'hnswlib-same-graph');
  const pairedScan = set.recall?.paired?.find((p) => p.a === 'plain-js-scan' && p.b === 'vsearch');
  const pairedRecall = (ef: number): number => vsearch?.points.find((p) => p.ef === ef)?.recall ?? Number.NaN;
  if (pairedRaw !== undefined) {
    ratios.endToEnd = {
      ef: pairedRaw.ef,
      recall: pairedRecall(pairedRaw.ef),
      ratio: pairedRaw.ratioP50,
      vsearchP50Us: pairedRaw.aP50Us,
      rawP50Us: pairedRaw.bP50Us,
    };
  }
  if (pairedScan !== undefined)
    ratios.vsScan = { ef: pairedScan.ef, recall: pairedRecall(pairedScan.ef), speedup: round(pairedScan.ratioMean, 1) };
  if (point !== undefined) {
    const rawPoint = raw?.points.find((p) => p.ef === point.ef);
    if (rawPoint !== undefined && ratios.endToEnd === undefined) {
      ratios.endToEnd = {
        ef: point.ef,
        recall: point.recall,
        ratio: round(point.p50Us / rawPoint.p50Us, 3),
        vsearchP50Us: point.p50Us,
        rawP50Us: rawPoint.p50Us,
      };
    }
    if (scan !== undefined && ratios.vsScan === undefined)
      ratios.vsScan = { ef: point.ef, recall: point.recall, speedup: round(scan.meanUs / point.meanUs, 1) };
  }
  const build = set.build;
  const vsearchBuild = build?.others.find((figures) => figures.engine === 'vsearch');
  if (build !== undefined && vsearchBuild !== undefined) {
    ratios.build = {
      ratio: round(vsearchBuild.vectorsPerSecond / build.reference.vectorsPerSecond, 3),
      ef: build.reference.ef,
      vsearchRecall: vsearchBuild.recall,
      referenceRecall: build.reference.recall,
    };
    if (vsearchBuild.efAtTarget !== undefined && build.reference.efAtTarget !== undefined) {
      ratios.build.efAtTarget = { vsearch: vsearchBuild.efAtTarget, reference: build.reference.efAtTarget };
    }
  }
  if (set.open !== undefined) ratios.open = set.open.ratio;
  if (set.memory !== undefined) ratios.memory = set.memory.ratio;
  return ratios;
}

export function sweepOf(sweeps: readonly EngineSweep[], engine: string): EngineSweep | undefined {
  return sweeps.find((sweep) => sweep.engine === engine);
}

/** The smallest-ef point whose recall reaches `recall`. */
export function firstAtRecall(points: readonly EfFigures[], recall: number): EfFigures | undefined {
  return [...points].sort((a, b) => a.ef - b.ef).find((p) => p.recall >= recall);
}
