import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from './manifest.js';
import type { VideoFacts } from './video-facts.js';

/**
 * What is inconsistent inside a manifest: label ranges that are not ascending or overlap,
 * a nextLabel at or under a used label (new segments would reuse labels, and searches would
 * drop some), counts that do not add up. Empty when it is consistent.
 */
/**
 * `facts` are the video facts behind the manifest's view (checked instead of the view, which
 * then need not be built); undefined leaves out the per-video checks, for facts that could not be read.
 */
export function manifestProblems(manifest: Manifest, facts: VideoFacts | undefined): string[] {
  const problems: string[] = [];
  let previous: { name: string; maxLabel: number } | undefined;
  let rows = 0;
  for (const entry of manifest.segmentFiles) {
    const where = `segment file ${entry.name}`;
    if (
      !isUint(entry.minLabel) ||
      !isUint(entry.maxLabel) ||
      !isUint(entry.rows) ||
      !isUint(entry.bytes) ||
      entry.minLabel > entry.maxLabel
    ) {
      problems.push(`the entry of ${where} has an invalid label range, row count or size`);
      continue;
    }
    if (entry.rows < 1 || entry.rows > entry.maxLabel - entry.minLabel + 1)
      problems.push(`the entry of ${where} lists ${entry.rows} rows for labels ${entry.minLabel}-${entry.maxLabel}`);
    if (previous !== undefined && entry.minLabel <= previous.maxLabel) {
      problems.push(
        `the labels of ${where} (${entry.minLabel}-${entry.maxLabel}) overlap or precede those of ${previous.name} (up to ${previous.maxLabel})`,
      );
    }
    if (entry.maxLabel >= manifest.nextLabel)
      problems.push(`nextLabel is ${manifest.nextLabel}, but ${where} already uses labels up to ${entry.maxLabel}`);
    rows += entry.rows;
    previous = entry;
  }
  const counts = manifest.counts as Partial<Manifest['counts']> | undefined;
  if (counts?.segments !== rows)
    problems.push(`counts.segments is ${String(counts?.segments)}, but the segment files hold ${rows} rows`);
  if (facts === undefined) return problems;
  if (counts?.videos !== facts.size)
    problems.push(`counts.videos is ${String(counts?.videos)}, but ${facts.size} videos are listed`);
  let videoSegments = 0;
  for (const fact of facts.values()) videoSegments += fact.segments;
  if (videoSegments !== rows)
    problems.push(`the videos list ${videoSegments} segments, but the segment files hold ${rows} rows`);
  return problems;
}

/** Listed segment files that are missing or not of the size the manifest recorded (cut short, or replaced). */
export async function segmentFileProblems(segmentsDir: string, manifest: Manifest): Promise<string[]> {
  if (manifest.segmentFiles.length === 0) return [];
  try {
    await stat(segmentsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return [`the folder ${segmentsDir} is missing, with the ${manifest.segmentFiles.length} segment files it listed`];
    throw error;
  }
  const problems: string[] = [];
  for (const entry of manifest.segmentFiles) {
    const path = join(segmentsDir, entry.name);
    try {
      const { size } = await stat(path);
      if (size !== entry.bytes)
        problems.push(
          `segment file ${path} is ${size} bytes, but manifest.json recorded ${entry.bytes} (cut short or replaced)`,
        );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      problems.push(`segment file ${path} is missing`);
    }
  }
  return problems;
}

function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
