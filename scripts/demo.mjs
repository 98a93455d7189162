// `npm run demo`: part 1 builds a library from the real Marengo-retrieval-2.7 sample in data/ and
// runs three real queries (text, audio, image) against it. Part 2 starts `vsearch emulator` (the
// offline stand-in for the TwelveLabs API) with a scenario, embeds the small media in data/ through
// it, and runs a text query that finds the described scene. No API key, no network.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = join(root, 'data', 'marengo27-aws-sample');
const cli = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'vsearch-demo-'));
const lib = join(work, 'lib');
const run = (env, library, ...args) =>
  execFileSync(process.execPath, [cli, ...args, '--lib', library], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, ...env } });
const vsearch = (...args) => run({}, lib, ...args);
const title = (text) => process.stdout.write(`\n== ${text}\n`);

try {
  title('vsearch build --from data/marengo27-aws-sample/segments.jsonl');
  vsearch('build', '--from', join(sample, 'segments.jsonl'));

  // The text query's real embedding goes into the library's query cache, as a first online
  // query would have left it, so the text query below runs offline.
  const textQueryFile = join(sample, 'queries', 'text-bird-eating-food.json');
  const textQuery = JSON.parse(readFileSync(textQueryFile, 'utf8'));
  title(`vsearch cache add --text "${textQuery.source}" --vector queries/text-bird-eating-food.json`);
  vsearch('cache', 'add', '--text', textQuery.source, '--vector', textQueryFile);

  title(`vsearch query "${textQuery.source}" --offline`);
  process.stdout.write(vsearch('query', textQuery.source, '--offline'));
  title('vsearch query --vector queries/audio-rock-808-beat.json   (a drum loop: nothing matches well)');
  process.stdout.write(vsearch('query', '--vector', join(sample, 'queries', 'audio-rock-808-beat.json')));
  title('vsearch query --vector queries/image-ocean.json --group-by video');
  process.stdout.write(vsearch('query', '--vector', join(sample, 'queries', 'image-ocean.json'), '--group-by', 'video'));
  title('vsearch stats');
  process.stdout.write(vsearch('stats'));

  await emulatorPart();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function emulatorPart() {
  const media = join(root, 'data', 'media-samples');
  title(`vsearch emulator --scenario data/media-samples/scenario.json   (part 2: the offline API stand-in)`);
  const emulator = spawn(process.execPath, [cli, 'emulator', '--port', '0', '--scenario', join(media, 'scenario.json'), '--task-delay', '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [baseUrl] = await once(createInterface({ input: emulator.stdout }), 'line');
    process.stdout.write(`${baseUrl}\n`);
    const env = { TWELVELABS_API_KEY: 'demo-key', TWELVELABS_BASE_URL: baseUrl };
    const mediaLib = join(work, 'media-lib');
    title('vsearch build data/media-samples --clip-length 2');
    run(env, mediaLib, 'build', media, '--clip-length', '2');
    title('vsearch query "a butterfly over the flowers"');
    process.stdout.write(run(env, mediaLib, 'query', 'a butterfly over the flowers', '--limit', '3'));
    title('vsearch query "a butterfly over the flowers" --offline   (now from the query cache)');
    process.stdout.write(run({}, mediaLib, 'query', 'a butterfly over the flowers', '--limit', '1', '--offline'));
  } finally {
    emulator.kill('SIGTERM');
  }
}
