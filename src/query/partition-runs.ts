import { consecutiveRuns } from '../index/clip-partitions.js';
import type { LabelFacts } from './label-facts.js';

/**
 * The partitions of a partition search (src/index/clip-partitions.ts): each video's labels of
 * one embedding option and scope, in start order, split into runs of consecutive clips.
 */
export function partitionRunsOf(facts: LabelFacts): Uint32Array[] {
  const runs: Uint32Array[] = [];
  for (const video of facts.videos) {
    const { labels } = video;
    let from = 0;
    for (let i = 1; i <= labels.length; i++) {
      if (i < labels.length && sameRun(facts, labels[from] as number, labels[i] as number)) continue;
      runs.push(labels.subarray(from, i));
      from = i;
    }
  }
  return consecutiveRuns(runs);
}

function sameRun(facts: LabelFacts, a: number, b: number): boolean {
  return facts.option[a] === facts.option[b] && facts.scope[a] === facts.scope[b];
}
