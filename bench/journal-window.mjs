// How long an async task exists at the API before the build's journal knows its id: the window in
// which a SIGKILL makes a rerun pay for the task again on the one path that cannot look the task
// up (v1, Marengo 2.7, a video given by URL: the task list names only the URL). A loopback proxy
// between the CLI and the emulator timestamps the moment the task request's last byte arrives
// (the API can create the task from then on) and the answer leaves; when the build's next request
// (the first status poll) passes, the proxy reads the journal file's mtime (kernel clock, a few ms
// coarse; its split into api_ms and client_ms is rough, as the proxy sees the answer's end after
// the client may already have it). The same interval is measured for a v2 local file, for comparison: there a rerun finds
// the task by its asset's name.
//
//   npm run build && node bench/journal-window.mjs [--runs N] [--out FILE]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/emulator/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 10) || 10;
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const now = () => performance.timeOrigin + performance.now();
const KEY = 'tlk_journal-window';

const PATHS = {
  v1_url: {
    model: 'Marengo-retrieval-2.7',
    url: true,
    create: '/v1.3/embed/tasks',
    poll: /^\/v1\.3\/embed\/tasks\/[^/]+\/status$/,
  },
  v2_file: {
    model: 'marengo3.0',
    url: false,
    create: '/v1.3/embed-v2/tasks',
    poll: /^\/v1\.3\/embed-v2\/tasks\/[^/]+$/,
  },
};

async function measure(version, emu, work, index) {
  const { model, url, create, poll } = PATHS[version];
  const lib = join(work, `lib-${version}-${index}`);
  let media = `https://media.example.com/journal-window/card-${index}.mp4`;
  if (!url) {
    media = join(work, `card-${version}-${index}.avi`);
    const avi = await readFile(join(root, 'data', 'media-samples', 'test-card-16x9.avi'));
    await writeFile(media, Buffer.concat([avi, Buffer.from(`${version}-${index}`)]));
  }
  const upstream = new URL(emu.baseUrl);
  const times = {};
  const proxy = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const forward = async () => {
      if (req.method === 'GET' && poll.test(path) && times.journaled === undefined) {
        const dir = join(lib, 'journal');
        const [name] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
        times.journaled = (await stat(join(dir, name))).mtimeMs;
      }
      const up = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          if (req.method === 'POST' && path === create) answer.once('end', () => (times.answered = now()));
        },
      );
      req.pipe(up);
      if (req.method === 'POST' && path === create) req.once('end', () => (times.sent = now()));
    };
    forward().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const base = `http://127.0.0.1:${proxy.address().port}/v1.3`;
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'cli', 'main.js'), 'build', media, '--lib', lib, '--model', model],
    {
      env: { ...process.env, TWELVELABS_API_KEY: KEY, TWELVELABS_BASE_URL: base, VSEARCH_LIB: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  proxy.close();
  if (code !== 0 || times.sent === undefined || times.journaled === undefined)
    throw new Error(`${version} run ${index}: exit ${code}, ${JSON.stringify(times)}\n${stderr}`);
  return {
    window_ms: times.journaled - times.sent,
    api_ms: times.answered - times.sent,
    client_ms: times.journaled - times.answered,
  };
}

function summary(samples) {
  const sorted = samples.map((s) => s.window_ms).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (x) => Math.round(x * 100) / 100;
  return {
    runs: sorted.length,
    min_ms: round(sorted[0]),
    median_ms: round(at(0.5)),
    p90_ms: round(at(0.9)),
    max_ms: round(sorted.at(-1)),
    samples: samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]))),
  };
}

const work = await mkdtemp(join(tmpdir(), 'vsearch-journal-window-'));
const emu = await startEmulator({ port: 0, apiKey: KEY, taskDelayMs: 100, seed: 3 });
try {
  const result = {
    measured_at: new Date().toISOString(),
    what: 'ms from the task request reaching the API to the journal file holding its id (file mtime)',
    node: process.version,
  };
  for (const version of Object.keys(PATHS)) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await measure(version, emu, work, i));
    result[version] = summary(samples);
  }
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (out !== undefined) await writeFile(out, text);
  process.stdout.write(text);
} finally {
  await emu.close();
  await rm(work, { recursive: true, force: true });
}
