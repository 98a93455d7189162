// One-video writes on a large library (issue 16 part 4: import, `vsearch meta` and `vsearch rm` of one
// video, each <= 5 s at 1M x 512), two builds interleaved in one run: --before DIST and --after DIST
// (each a dist/ folder of a build), each on its own hard-linked copy of --lib (writes replace files by
// rename, so the copies never share a changed file). Each round imports --extra (a JSONL file of one
// video), with --replacement imports that video again with other vectors (its rows replaced),
// patches its metadata, then removes it, the two builds taking turns step by step (the order
// swapped every round). Wall time and peak RSS (GNU time) of every command.
//   node bench/one-video-writes.mjs --lib /work/scratch-scale/xmodal-1m-512/lib \
//     --extra /work/scratch-scale/xmodal-1m-512/extra-video-0.jsonl --video scale-extra-0 \
//     --before /work/main/dist --after dist --model marengo3.0 --rounds 3 --out bench/results/one-video-writes-1m-512.json
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    lib: { type: 'string' },
    extra: { type: 'string' },
    video: { type: 'string' },
    model: { type: 'string', default: 'marengo3.0' },
    before: { type: 'string' },
    after: { type: 'string', default: 'dist' },
    rounds: { type: 'string', default: '3' },
    work: { type: 'string', default: '/work/scratch-scale' },
    out: { type: 'string', default: '' },
    // A JSONL of the same video with other vectors: imported after --extra, it replaces the stored rows.
    replacement: { type: 'string' },
  },
});
for (const required of ['lib', 'extra', 'video', 'before'])
  if (args[required] === undefined) throw new Error(`--${required} is required`);

const builds = { before: resolve(args.before), after: resolve(args.after) };
const copies = {};
for (const name of Object.keys(builds)) {
  copies[name] = join(args.work, `one-video-writes-${name}`);
  await rm(copies[name], { recursive: true, force: true });
  await run('cp', ['-al', args.lib, copies[name]]);
}

async function timed(build, argv) {
  const cli = join(builds[build], 'cli', 'main.js');
  const started = process.hrtime.bigint();
  const { stdout, stderr } = await run(
    '/usr/bin/time',
    ['-f', 'maxrss_kb=%M', process.execPath, cli, ...argv, '--lib', copies[build]],
    {
      maxBuffer: 64 << 20,
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? Number.NaN) / 1024;
  return { ms: Math.round(ms), peakRssMiB: Math.round(rss), stdout };
}

const steps = {
  import: () => ['build', '--from', args.extra, '--model', args.model, '--json'],
  ...(args.replacement === undefined
    ? {}
    : { reimport: () => ['build', '--from', args.replacement, '--model', args.model, '--json'] }),
  meta: (round) => ['meta', args.video, '--set', JSON.stringify({ rating: round + 1 }), '--json'],
  rm: () => ['rm', args.video, '--json'],
};
const rounds = [];
for (let round = 0; round < Number(args.rounds); round++) {
  const order = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  const figures = { before: {}, after: {} };
  for (const [step, argv] of Object.entries(steps)) {
    for (const build of order) {
      figures[build][step] = await timed(build, argv(round));
      const { stdout: _out, ...shown } = figures[build][step];
      console.log(`round ${round} ${build} ${step}: ${JSON.stringify(shown)}`);
    }
  }
  rounds.push(figures);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const summary = {};
for (const step of Object.keys(steps)) {
  const of = (build, key) => median(rounds.map((r) => r[build][step][key]));
  summary[step] = {
    beforeMs: of('before', 'ms'),
    afterMs: of('after', 'ms'),
    afterOverBefore: Math.round((of('after', 'ms') / of('before', 'ms')) * 1000) / 1000,
    beforePeakRssMiB: of('before', 'peakRssMiB'),
    afterPeakRssMiB: of('after', 'peakRssMiB'),
    targetMs: 5000,
  };
}
const manifest = JSON.parse(await readFile(join(args.lib, 'manifest.json'), 'utf8'));
const result = {
  library: { path: args.lib, segments: manifest.counts?.segments, dimension: manifest.dimension },
  command: `node bench/one-video-writes.mjs ${process.argv.slice(2).join(' ')}`,
  load: (await readFile('/proc/loadavg', 'utf8')).trim(),
  rounds: rounds.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([build, byStep]) => [
        build,
        Object.fromEntries(Object.entries(byStep).map(([step, { stdout: _out, ...shown }]) => [step, shown])),
      ]),
    ),
  ),
  medians: summary,
};
console.log(JSON.stringify(summary, null, 2));
if (args.out !== '') await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
for (const copy of Object.values(copies)) await rm(copy, { recursive: true, force: true });
