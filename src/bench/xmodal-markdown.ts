import type { MarengoStats } from './marengo-stats.js';

interface Point {
  ef: number;
  recall: number;
  p50Us: number;
}

export interface XmodalResult {
  set: string;
  generatedAt: string;
  command: string;
  environment: { node: string; cpu: string; cpus: number; hnswlib: { build: string; detail: string } };
  description: string;
  count: number;
  dimension: number;
  k: number;
  fit: { real: MarengoStats; generated: MarengoStats; note: string };
  peers: Record<string, string>;
  builds: Record<string, { seconds: number; M: number; efConstruction: number; threads: number }>;
  sweeps: { engine: string; label: string; kind: string; points: Point[] }[];
  defaults: Record<
    string,
    {
      modality: string;
      ef: number;
      recall: number;
      p50Us: number;
      candidate?: { engine: string; recall: number; p50Us: number };
    }
  >;
  ratios: {
    target: number;
    points: { engine: string; kind: string; ef: number; recall: number; p50Us: number }[];
    textOverClip: number | null;
    textOverStockText: number | null;
  }[];
  seconds: number;
}

const KIND_NAMES: Record<string, string> = { text: 'text-like queries', clip: 'clip-like queries' };

/** The markdown report of one cross-modal run: every recall figure names its query kind. */
export function xmodalMarkdown(result: XmodalResult): string {
  const { fit, k } = result;
  const lines = [
    `# Cross-modal benchmark: ${result.set}`,
    '',
    `Generated ${result.generatedAt} by \`${result.command}\` on ${result.environment.cpus} x ${result.environment.cpu}, Node ${result.environment.node}; vsearch ran hnswlib-node's ${result.environment.hnswlib.build} build. ${result.seconds} s in all. The machine is shared: compare the ratios (timed interleaved in this run) more than the absolute figures.`,
    '',
    `${result.description}.`,
    '',
    `Peers: ${Object.entries(result.peers)
      .map(([name, status]) => `${name} ${status}`)
      .join('; ')}.`,
    '',
    '## Default search breadth (no calibration)',
    '',
    `| query kind | library default ef | vsearch recall@${k} / p50 us | the candidate: recall@${k} / p50 us |`,
    '|---|---|---|---|',
    ...Object.entries(result.defaults).map(
      ([kind, d]) =>
        `| ${KIND_NAMES[kind] ?? kind} (${d.modality} modality) | ${d.ef} | ${d.recall} / ${d.p50Us} | ${d.candidate === undefined ? 'not built' : `${d.candidate.engine}: ${d.candidate.recall} / ${d.candidate.p50Us}`} |`,
    ),
    '',
    '## Speed at equal recall (interleaved, one run)',
    '',
    `| recall@${k} target | engine / query kind: smallest swept ef, recall, p50 us | vsearch text p50 / vsearch clip p50 (issue 11 target <= 1.5 at 0.99) | vsearch text p50 / stock hnswlib-node text p50 (target <= 0.33 at 0.99) |`,
    '|---|---|---|---|',
    ...result.ratios.map(
      (r) =>
        `| ${r.target} | ${r.points.map((p) => `${p.engine} / ${KIND_NAMES[p.kind] ?? p.kind}: ef ${p.ef}, ${p.recall}, ${p.p50Us}`).join('; ')} | ${r.textOverClip ?? 'not reached'} | ${r.textOverStockText ?? 'not reached'} |`,
    ),
    '',
    '## Recall and p50 over the ef sweep, per engine and query kind',
    '',
    `| ef | ${result.sweeps.map((s) => `${s.engine}, ${KIND_NAMES[s.kind] ?? s.kind}: recall@${k} / p50 us`).join(' | ')} |`,
    `|---|${result.sweeps.map(() => '---').join('|')}|`,
    ...(result.sweeps[0]?.points ?? []).map(
      (point, i) =>
        `| ${point.ef} | ${result.sweeps.map((s) => `${s.points[i]?.recall ?? ''} / ${s.points[i]?.p50Us ?? ''}`).join(' | ')} |`,
    ),
    '',
    `Builds: ${Object.entries(result.builds)
      .map(
        ([engine, b]) =>
          `${engine} M=${b.M} efConstruction=${b.efConstruction}, ${b.threads} thread(s): ${b.seconds} s`,
      )
      .join('; ')}.`,
    '',
    '## The generator against the real vectors',
    '',
    `${fit.note}. Real: 360 YouTube-8M videos, 10 category-name text queries, 45 Shorts clips of 8 videos; generated: samples of the same kinds and sizes (200 text queries, clips of 40 videos). Cosine quantiles are p05 / p25 / p50 / p75 / p95.`,
    '',
    '| statistic | real | generated |',
    '|---|---|---|',
    `| norm of the mean video vector | ${fit.real.meanNorm} | ${fit.generated.meanNorm} |`,
    `| variance explained by the top 1 / 4 / 16 / 32 components | ${explained(fit.real)} | ${explained(fit.generated)} |`,
    `| video-video cosine | ${fit.real.videoVideo.join(' / ')} | ${fit.generated.videoVideo.join(' / ')} |`,
    `| text to nearest video cosine | ${fit.real.textNearestVideo.join(' / ')} | ${fit.generated.textNearestVideo.join(' / ')} |`,
    `| text-text cosine | ${fit.real.textText.join(' / ')} | ${fit.generated.textText.join(' / ')} |`,
    `| clip-clip cosine, same video | ${fit.real.clipSameVideo.join(' / ')} | ${fit.generated.clipSameVideo.join(' / ')} |`,
  ];
  return `${lines.join('\n')}\n`;
}

function explained(stats: MarengoStats): string {
  const e = stats.explained;
  return `${e.top1} / ${e.top4} / ${e.top16} / ${e.top32}`;
}
