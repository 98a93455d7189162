import { describe, expect, it } from 'vitest';
import { plotFileName, resultsMarkdown } from '../../src/bench/results-markdown.js';
import { firstAtRecall, targetRatios } from '../../src/bench/target-ratios.js';
import { FIXED_RESULTS } from './fixtures/suite-results.js';

const measured = FIXED_RESULTS.sets[0];
if (measured === undefined) throw new Error('the fixture has no set');

describe('targetRatios', () => {
  it('computes each issue-6 ratio from one set, from the interleaved pairs when there are some', () => {
    expect(targetRatios(measured)).toEqual({
      endToEnd: { ef: 32, recall: 0.995, ratio: 1.025, vsearchP50Us: 205, rawP50Us: 200 },
      vsScan: { ef: 32, recall: 0.995, speedup: 35.7 },
      build: {
        ratio: 2,
        ef: 64,
        vsearchRecall: 0.998,
        referenceRecall: 0.999,
        efAtTarget: { vsearch: 48, reference: 32 },
      },
      open: 1.55,
      memory: 1.412,
    });
  });

  it('falls back on the sweeps without pairs', () => {
    const recall = measured.recall;
    if (recall === undefined) throw new Error('the fixture has no recall section');
    const { paired: _pairs, ...unpaired } = recall;
    // ef 32 is the first where vsearch reaches 0.99: p50 210 us against 200 us raw; plain scan mean 8400 us / 250 us.
    expect(targetRatios({ ...measured, recall: unpaired })).toMatchObject({
      endToEnd: { ef: 32, recall: 0.995, ratio: 1.05, vsearchP50Us: 210, rawP50Us: 200 },
      vsScan: { ef: 32, recall: 0.995, speedup: 33.6 },
    });
  });

  it('leaves out what a set did not measure', () => {
    expect(targetRatios({ set: 'x', description: '', count: 0, dimension: 0 })).toEqual({});
  });

  it('firstAtRecall picks the smallest ef that reaches the recall, whatever the order', () => {
    const points = [
      { ef: 64, recall: 0.999, p50Us: 3, p99Us: 3, meanUs: 3, qps: 3 },
      { ef: 16, recall: 0.9, p50Us: 1, p99Us: 1, meanUs: 1, qps: 1 },
      { ef: 32, recall: 0.995, p50Us: 2, p99Us: 2, meanUs: 2, qps: 2 },
    ];
    expect(firstAtRecall(points, 0.99)?.ef).toBe(32);
    expect(firstAtRecall(points, 0.9999)).toBeUndefined();
  });
});

describe('resultsMarkdown', () => {
  const markdown = resultsMarkdown(FIXED_RESULTS);

  it('opens with the run and the target table, one row per set', () => {
    expect(markdown.startsWith('# Benchmark results: fixed\n')).toBe(true);
    expect(markdown).toContain('`npm run bench -- --set 10k-512` on 2 x Test CPU, Node v20.20.2 (linux-x64)');
    expect(markdown).toContain('usearch measured 2.25.3; faiss-node skipped (no network)');
    expect(markdown).toContain(
      '| 10k-512 | 1.025x (ef=32, recall 0.995, 205 vs 200 us) | 35.7x (ef=32) | 2x (recall@ef=64: 0.998 vs 0.999; ef for 0.99: 48 vs 32) | 1.55x | 1.412x |',
    );
    expect(markdown).toContain('| marengo27 | n/a | n/a | n/a | n/a | n/a |');
  });

  it.each([
    [
      'the sweep against the reference at each ef',
      '| 16 | 0.9500 / 100 / 10000 | 0.9600 / 110 / 9000 (0.9) | 0.9600 / 100 / 10000 (1) |',
    ],
    ['the sweep at the next ef', '| 32 | 0.9950 / 200 / 5000 | 0.9950 / 210 / 4000 (0.8) | 0.9950 / 200 / 5000 (1) |'],
    ['the exact scans', '| plain JS exact scan | 1 | 8400 | 9000 | 119 | 200 | 0.0238 |'],
    ['the interleaved pairs', '| vsearch | hnswlib-same-graph | 32 | 500 | 205 | 200 | 1.025 | 230 | 210 | 1.095 |'],
    ['the tinybench heading', "tinybench head to head at ef=32 (mean time over the hnswlib-same-graph task's):"],
    ['the tinybench tasks', '| vsearch Library.search | 900 | 220 | 210 | 400 | 1.5 | 1.1 |'],
    ['the plot', `![recall@10 vs QPS, 10k-512](${plotFileName('fixed', '10k-512')})`],
    ['the builds', '| vsearch import | 5 | 2000 | 2 | 0.998 (ef=64) | 48 |'],
    [
      'the A-B-A reference runs',
      'built twice, before and after vsearch (A-B-A): 9 s and 11 s; its row shows their mean.',
    ],
    ['open time', 'CLI 310 ms, bare hnswlib-node 200 ms: **1.55x**'],
    ['memory', '60 MB (heap 8, array buffers 0.5) against vectors 20.5 MB + graph file 22 MB: **1.412x**'],
    ['memory against the graph file', 'RSS / graph file alone 2.727x'],
    ['Arrow writes', '| encode + durable write | 105 | 50000 | 0.5 (raw 204.8 MB/s) |'],
    ['Arrow reads', '| read + open + one pass | 420 | 200000 | 0.5 (raw 819.2 MB/s) |'],
    ['a skipped set', '- all: skipped (../shared/data is absent)'],
  ])('reports %s', (_what, line) => {
    expect(markdown).toContain(line);
  });

  it('is stable for a fixed input', () => {
    expect(resultsMarkdown(FIXED_RESULTS)).toBe(markdown);
  });
});
