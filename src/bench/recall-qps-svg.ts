import type { SetResult } from './suite-results.js';

const WIDTH = 980;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 410, top: 40, bottom: 50 };
/** Recall is drawn on a "nines" axis, -log10(1 - recall), up to 0.9999 (4 nines) and clamped there. */
const MAX_NINES = 4;
const LEGEND_CHARS = 50;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

interface Series {
  label: string;
  points: { recall: number; qps: number; ef?: number }[];
  /** Exact searches: one marker, no line. */
  single: boolean;
}

/**
 * A recall@k (x, in nines: 0.9, 0.99, 0.999, ...) vs queries per second (y, log scale)
 * plot of one set, as a small standalone SVG: a line per swept engine, a marker per exact search.
 */
export function recallQpsSvg(set: SetResult): string {
  const section = set.recall;
  const series: Series[] = [
    ...(section?.sweeps ?? []).map((sweep) => ({
      label: sweep.label,
      points: [...sweep.points].sort((a, b) => a.ef - b.ef),
      single: false,
    })),
    ...(section?.exact ?? []).map((exact) => ({
      label: exact.label,
      points: [{ recall: exact.recall, qps: exact.qps }],
      single: true,
    })),
  ];
  const all = series.flatMap((s) => s.points).filter((p) => p.qps > 0);
  const minNines = all.length === 0 ? 0 : Math.min(...all.map((p) => nines(p.recall)));
  const xMin = Math.max(0, Math.min(MAX_NINES - 1, Math.floor(minNines)));
  const yMin = all.length === 0 ? 1 : 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.qps))));
  const yMax = all.length === 0 ? 10 : 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.qps))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (recall: number): number => MARGIN.left + ((nines(recall) - xMin) / (MAX_NINES - xMin)) * plotW;
  const y = (qps: number): number =>
    MARGIN.top + plotH - ((Math.log10(qps) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin) || 1)) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(`recall@${section?.k ?? 10} vs QPS: ${set.set} (${set.count} x ${set.dimension})`)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(`${set.set}: ${set.count} x ${set.dimension}, recall@${section?.k ?? 10} vs queries/s (one at a time)`)}</text>`,
  ];
  for (let tick = xMin; tick <= MAX_NINES; tick++) {
    const px = fixed(MARGIN.left + ((tick - xMin) / (MAX_NINES - xMin)) * plotW);
    const label =
      tick === 0 ? '0' : tick === MAX_NINES ? `>=${(1 - 10 ** -tick).toFixed(tick)}` : (1 - 10 ** -tick).toFixed(tick);
    out.push(`<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${px}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  for (let decade = Math.log10(yMin); decade <= Math.log10(yMax) + 1e-9; decade++) {
    const py = fixed(y(10 ** decade));
    out.push(`<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${MARGIN.left - 6}" y="${fixed(y(10 ** decade) + 4)}" text-anchor="end">${formatQps(10 ** decade)}</text>`,
    );
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">recall@${section?.k ?? 10} (nines scale)</text>`,
  );
  out.push(
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">queries per second (log)</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const points = s.points.filter((p) => p.qps > 0);
    if (!s.single && points.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${fixed(x(p.recall))},${fixed(y(p.qps))}`).join(' ')}"/>`,
      );
    for (const p of points) {
      const tip = escapeXml(`${s.label}${p.ef === undefined ? '' : ` ef=${p.ef}`}: recall ${p.recall}, ${p.qps} QPS`);
      if (s.single)
        out.push(
          `<rect x="${fixed(x(p.recall) - 4)}" y="${fixed(y(p.qps) - 4)}" width="8" height="8" fill="${color}"><title>${tip}</title></rect>`,
        );
      else
        out.push(
          `<circle cx="${fixed(x(p.recall))}" cy="${fixed(y(p.qps))}" r="3" fill="${color}"><title>${tip}</title></circle>`,
        );
    }
    const ly = MARGIN.top + 10 + i * 18;
    const lx = MARGIN.left + plotW + 12;
    out.push(
      s.single
        ? `<rect x="${lx}" y="${ly - 4}" width="8" height="8" fill="${color}"/>`
        : `<line x1="${lx - 2}" y1="${ly}" x2="${lx + 12}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(
      `<text x="${lx + 18}" y="${ly + 4}">${escapeXml(s.label.length > LEGEND_CHARS ? `${s.label.slice(0, LEGEND_CHARS - 1)}…` : s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** -log10(1 - recall), clamped to [0, MAX_NINES]: 0.9 -> 1, 0.99 -> 2, 1 -> MAX_NINES. */
function nines(recall: number): number {
  return Math.min(MAX_NINES, Math.max(0, -Math.log10(Math.max(1 - recall, 10 ** -MAX_NINES))));
}

function fixed(value: number): string {
  return value.toFixed(1);
}

function formatQps(qps: number): string {
  return qps >= 1e6 ? `${qps / 1e6}M` : qps >= 1e3 ? `${qps / 1e3}k` : String(qps);
}
