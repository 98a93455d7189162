import { round } from './percentiles.js';
import type { EfFigures } from './recall-latency.js';
import type { SetResult, SuiteResults } from './suite-results.js';
import { sweepOf, TARGET_RECALL, targetRatios } from './target-ratios.js';

/** File name of a set's recall-vs-QPS plot, beside the results. */
export function plotFileName(runName: string, set: string): string {
  return `${runName}-${set}.svg`;
}

/** The markdown report of a suite run: the issue-6 target ratios, then each set's tables. */
export function resultsMarkdown(results: SuiteResults): string {
  const lines: string[] = [
    `# Benchmark results: ${results.name}`,
    '',
    `Generated ${results.generatedAt} by \`${results.command}\` on ${results.environment.cpus} x ${results.environment.cpu}, Node ${results.environment.node} (${results.environment.platform})${results.environment.hnswlib === undefined ? '' : `; vsearch ran hnswlib-node's ${results.environment.hnswlib.build} build (${results.environment.hnswlib.detail})`}.`,
    'The machine is shared and timings are noisy: compare the ratios, each measured within this one run, more than the absolute figures.',
    '',
    `Peers: ${Object.entries(results.peers)
      .map(
        ([name, peer]) =>
          `${name} ${peer.status}${peer.version === undefined ? '' : ` ${peer.version}`}${peer.reason === undefined ? '' : ` (${peer.reason})`}`,
      )
      .join('; ')}.`,
    '',
    '## Issue 6 targets',
    '',
    `Recall figures here are on the queries each set names: clip-like (in distribution) on the synthetic sets, mixed on marengo27; for text-like (cross-modal) queries see the xmodal-* results.`,
    '',
    `| set | end to end / raw hnswlib, p50 at the same ef (target <= 1.10) | speed-up over the plain JS scan at recall@10 >= ${TARGET_RECALL} (target >= 150 on 100k x 1024) | build throughput / 1-thread hnswlib (target >= 1.8) | CLI open+query / bare hnswlib (target <= 1.5) | RSS / (vectors + graph) (target <= 1.3) |`,
    '|---|---|---|---|---|---|',
    ...results.sets.map(targetRow),
  ];
  for (const set of results.sets) lines.push('', ...setSection(results.name, set));
  return `${lines.join('\n')}\n`;
}

function targetRow(set: SetResult): string {
  const r = targetRatios(set);
  const cells = [
    r.endToEnd === undefined
      ? 'n/a'
      : `${r.endToEnd.ratio}x (ef=${r.endToEnd.ef}, recall ${r.endToEnd.recall}, ${r.endToEnd.vsearchP50Us} vs ${r.endToEnd.rawP50Us} us)`,
    r.vsScan === undefined ? 'n/a' : `${r.vsScan.speedup}x (ef=${r.vsScan.ef})`,
    r.build === undefined
      ? 'n/a'
      : `${r.build.ratio}x (recall@ef=${r.build.ef}: ${r.build.vsearchRecall} vs ${r.build.referenceRecall}${r.build.efAtTarget === undefined ? '' : `; ef for ${TARGET_RECALL}: ${r.build.efAtTarget.vsearch ?? 'none'} vs ${r.build.efAtTarget.reference ?? 'none'}`})`,
    r.open === undefined ? 'n/a' : `${r.open}x`,
    r.memory === undefined ? 'n/a' : `${r.memory}x`,
  ];
  return `| ${set.set} | ${cells.join(' | ')} |`;
}

function setSection(runName: string, set: SetResult): string[] {
  const lines = [`## ${set.set}: ${set.count} x ${set.dimension}`, '', set.description, ''];
  for (const [section, reason] of Object.entries(set.skipped ?? {})) lines.push(`- ${section}: skipped (${reason})`);
  if (set.recall !== undefined)
    lines.push(
      ...recallTable(set),
      '',
      `![recall@${set.recall.k} vs QPS, ${set.set}](${plotFileName(runName, set.set)})`,
      '',
    );
  if (set.build !== undefined) {
    const { reference, others, M, efConstruction, count } = set.build;
    lines.push(
      `Index build, ${count} vectors, reference M=${M} efConstruction=${efConstruction}:`,
      '',
      `| build | seconds | vectors/s | x reference | recall@10 at ef | smallest ef for recall@10 >= ${TARGET_RECALL} |`,
      '|---|---|---|---|---|---|',
    );
    for (const build of [reference, ...others]) {
      const atTarget =
        build.efAtTarget === undefined ? '' : build.efAtTarget === null ? 'none swept' : String(build.efAtTarget);
      lines.push(
        `| ${build.label} | ${build.seconds} | ${build.vectorsPerSecond} | ${round(build.vectorsPerSecond / reference.vectorsPerSecond, 3)} | ${build.recall} (ef=${build.ef}) | ${atTarget} |`,
      );
    }
    if (reference.runsSeconds !== undefined)
      lines.push(
        '',
        `The reference was built twice, before and after vsearch (A-B-A): ${reference.runsSeconds.join(' s and ')} s; its row shows their mean.`,
      );
    lines.push('');
  }
  if (set.open !== undefined) {
    const { cli, bare, ratio } = set.open;
    lines.push(
      `Open and answer one query in a fresh process (median of ${cli.runsMs.length}): CLI ${cli.medianMs} ms, bare hnswlib-node ${bare.medianMs} ms: **${ratio}x**.`,
      '',
    );
  }
  if (set.memory !== undefined) {
    const m = set.memory;
    lines.push(
      `Resident size after opening and one query: ${mb(m.library.rss)} MB (heap ${mb(m.library.heapUsed)}, array buffers ${mb(m.library.arrayBuffers)}) against vectors ${mb(m.vectorBytes)} MB + graph file ${mb(m.graphBytes)} MB: **${m.ratio}x**${m.graphFileRatio === undefined ? '' : ` (hnswlib's file already holds the vectors: RSS / graph file alone ${m.graphFileRatio}x)`}; the bare hnswlib-node script: ${mb(m.bare.rss)} MB (library / bare ${m.bareRatio}x).`,
      '',
    );
  }
  if (set.arrow !== undefined) {
    const a = set.arrow;
    lines.push(
      `Arrow segment file (${a.rows} rows, ${mb(a.bytes)} MB; median of ${a.repeats}):`,
      '',
      '| step | MB/s | rows/s | x raw vector bytes |',
      '|---|---|---|---|',
      `| encode (memory) | ${a.encode.mbPerSecond} | ${a.encode.rowsPerSecond} | |`,
      `| encode + durable write | ${a.write.mbPerSecond} | ${a.write.rowsPerSecond} | ${round(a.rawWrite.seconds / a.write.seconds, 3)} (raw ${a.rawWrite.mbPerSecond} MB/s) |`,
      `| read + open + one pass | ${a.read.mbPerSecond} | ${a.read.rowsPerSecond} | ${round(a.rawRead.seconds / a.read.seconds, 3)} (raw ${a.rawRead.mbPerSecond} MB/s) |`,
      '',
    );
  }
  return lines;
}

function recallTable(set: SetResult): string[] {
  const section = set.recall;
  if (section === undefined) return [];
  const reference = sweepOf(section.sweeps, section.reference);
  const others = section.sweeps.filter((sweep) => sweep.engine !== section.reference);
  const efs = [...new Set(section.sweeps.flatMap((sweep) => sweep.points.map((p) => p.ef)))].sort((a, b) => a - b);
  const head = [
    'ef',
    `${reference?.label ?? section.reference}: recall / p50 us / QPS`,
    ...others.map((sweep) => `${sweep.label}: recall / p50 us / QPS (x ref QPS)`),
  ];
  const lines = [
    `Recall@${section.k} and latency over ${section.queries} ${queryKindOf(set.set)}, one at a time; "x ref" is QPS over the reference's QPS at the same ef.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ];
  for (const ef of efs) {
    const ref = reference?.points.find((p) => p.ef === ef);
    const cells = [String(ef), ref === undefined ? '' : cell(ref)];
    for (const sweep of others) {
      const p = sweep.points.find((point) => point.ef === ef);
      cells.push(p === undefined ? '' : `${cell(p)}${ref === undefined ? '' : ` (${round(p.qps / ref.qps, 2)})`}`);
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (section.paired !== undefined && section.paired.length > 0) {
    lines.push(
      '',
      'Interleaved pairs (query by query, A and B alternating, so drifting load hits both alike): the target ratios come from here.',
      '',
      '| A | B | ef | queries | A p50 us | B p50 us | A/B p50 | A mean us | B mean us | A/B mean |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const p of section.paired)
      lines.push(
        `| ${p.a} | ${p.b} | ${p.ef} | ${p.queries} | ${p.aP50Us} | ${p.bP50Us} | ${p.ratioP50} | ${p.aMeanUs} | ${p.bMeanUs} | ${p.ratioMean} |`,
      );
  }
  const duel = section.headToHead;
  if (duel !== undefined) {
    lines.push(
      '',
      `tinybench head to head at ef=${duel.ef} (mean time over the ${duel.reference} task's):`,
      '',
      '| task | samples | mean us | p50 us | p99 us | rme % | x reference time |',
      '|---|---|---|---|---|---|---|',
    );
    for (const task of duel.tasks)
      lines.push(
        `| ${task.name} | ${task.samples} | ${task.meanUs} | ${task.p50Us} | ${task.p99Us} | ${task.rmePercent} | ${task.ratio} |`,
      );
  }
  lines.push(
    '',
    '| exact search | recall | p50 us | p99 us | QPS | queries | x ref QPS at its best ef |',
    '|---|---|---|---|---|---|---|',
  );
  const best = reference?.points.reduce((a, b) =>
    b.recall > a.recall || (b.recall === a.recall && b.qps > a.qps) ? b : a,
  );
  for (const exact of section.exact) {
    lines.push(
      `| ${exact.label} | ${exact.recall} | ${exact.p50Us} | ${exact.p99Us} | ${exact.qps} | ${exact.queries} | ${best === undefined ? '' : round(exact.qps / best.qps, 4)} |`,
    );
  }
  return lines;
}

function cell(p: EfFigures): string {
  return `${p.recall.toFixed(4)} / ${p.p50Us} / ${p.qps}`;
}

function mb(bytes: number): number {
  return round(bytes / 1e6, 1);
}

/** The kind of queries a suite set's recall was measured on (every recall figure names it). */
export function queryKindOf(set: string): string {
  return set === 'marengo27'
    ? 'queries of mixed kind (held-out real video and clip vectors, in distribution, and 10 real text queries, cross-modal)'
    : "clip-like queries (in distribution: fresh points of the library's clusters; no text-like ones)";
}
