// `npm run demo`: builds a library from the real Marengo-retrieval-2.7 sample in data/ and runs
// three real queries (text, audio, image) against it. No API key, no network.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLibrary } from '../dist/vsearch.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = join(root, 'data', 'marengo27-aws-sample');
const cli = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'vsearch-demo-'));
const lib = join(work, 'lib');
const vsearch = (...args) => execFileSync(process.execPath, [cli, ...args, '--lib', lib], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const title = (text) => process.stdout.write(`\n== ${text}\n`);

try {
  title('vsearch build --from data/marengo27-aws-sample/segments.jsonl');
  vsearch('build', '--from', join(sample, 'segments.jsonl'));

  // The text query's real embedding goes into the library's query cache, as a first online
  // query would have left it, so the text query below runs offline.
  const textQuery = JSON.parse(readFileSync(join(sample, 'queries', 'text-bird-eating-food.json'), 'utf8'));
  const library = await openLibrary(lib);
  await library.cacheQuery({ modality: 'text', text: textQuery.source }, textQuery.embedding);
  await library.close();

  title(`vsearch query "${textQuery.source}" --offline`);
  process.stdout.write(vsearch('query', textQuery.source, '--offline'));
  title('vsearch query --vector queries/audio-rock-808-beat.json   (a drum loop: nothing matches well)');
  process.stdout.write(vsearch('query', '--vector', join(sample, 'queries', 'audio-rock-808-beat.json')));
  title('vsearch query --vector queries/image-ocean.json --group-by video');
  process.stdout.write(vsearch('query', '--vector', join(sample, 'queries', 'image-ocean.json'), '--group-by', 'video'));
  title('vsearch stats');
  process.stdout.write(vsearch('stats'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
