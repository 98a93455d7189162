import type { FactsColumn, FactsRows, LabelFactsData } from './label-facts-data.js';

/**
 * The rows of each segment file the facts were gathered from, as collectLabelFacts reads them,
 * rebuilt from the facts alone. Segment files are never changed under their name, so a write
 * that keeps a file gathers its facts from here instead of reading its vectors again.
 */
export function savedFactsRows(data: LabelFactsData): Map<string, FactsRows> {
  const counts = new Uint32Array(data.files.length);
  for (let label = 0; label < data.file.length; label++) {
    const file = data.file[label] as number;
    if (file >= 0 && (data.video[label] as number) >= 0) counts[file] = (counts[file] as number) + 1;
  }
  const labelsOf = data.files.map((_, file) => new Uint32Array(counts[file] as number));
  const filled = new Uint32Array(data.files.length);
  // Labels ascend within a file (they are handed out in order), so label order is row order.
  for (let label = 0; label < data.file.length; label++) {
    const file = data.file[label] as number;
    if (file < 0 || (data.video[label] as number) < 0) continue;
    const labels = labelsOf[file] as Uint32Array;
    labels[filled[file] as number] = label;
    filled[file] = (filled[file] as number) + 1;
  }
  const rows = new Map<string, FactsRows>();
  data.files.forEach((name, file) => {
    const labels = labelsOf[file] as Uint32Array;
    let startSec: Float64Array | undefined;
    let endSec: Float64Array | undefined;
    rows.set(name, {
      name,
      count: labels.length,
      labels,
      saved: data,
      // collectLabelFacts reads `saved`; the times and strings are made only for a reader that asks.
      get startSec() {
        startSec ??= Float64Array.from(labels, (label) => data.start[label] as number);
        return startSec;
      },
      get endSec() {
        endSec ??= Float64Array.from(labels, (label) => data.end[label] as number);
        return endSec;
      },
      string: (column, row) => stringOf(data, column, labels[row] as number),
    });
  });
  return rows;
}

function stringOf(data: LabelFactsData, column: FactsColumn, label: number): string {
  switch (column) {
    case 'video_id':
      return data.videoIds[data.video[label] as number] ?? '';
    case 'embedding_option':
      return data.options[data.option[label] as number] ?? '';
    case 'embedding_scope':
      return data.scopes[data.scope[label] as number] ?? '';
    case 'source':
      return data.groups[data.group[label] as number]?.source ?? '';
    case 'metadata':
      return data.groups[data.group[label] as number]?.metadataText ?? '';
  }
}
