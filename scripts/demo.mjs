// `npm run demo`: part 1 builds a library from the real Marengo-retrieval-2.7 sample in data/ and
// runs three real queries (text, audio, image) against it. Part 2 starts `vsearch emulator` (the
// offline stand-in for the TwelveLabs API) with a scenario, embeds the small media in data/ through
// it, and runs a text query that finds the described scene. No API key, no network. Both libraries
// are kept (in a folder under the system's temp dir, printed at the end) so the commands it
// suggests last can be tried on them.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = join(root, 'data', 'marengo27-aws-sample');
const cli = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'vsearch-demo-'));
const lib = join(work, 'lib');
const mediaLib = join(work, 'media-lib');
const shown = (path) => (path.startsWith(root) ? relative(root, path) : path);

/**
 * Runs the CLI with its stdout and stderr on this process's own, so what it prints (results on
 * stdout, then the page-token hint on stderr) reaches the terminal in the order it was written.
 */
function run(env, library, ...args) {
  const result = spawnSync(process.execPath, [cli, ...args, '--lib', library], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) throw new Error(`vsearch ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}
const vsearch = (...args) => run({}, lib, ...args);
const title = (text) => process.stdout.write(`\n== ${text}\n`);

title(`vsearch build --from data/marengo27-aws-sample/segments.jsonl   (libraries kept in ${work})`);
vsearch('build', '--from', join(sample, 'segments.jsonl'));

// The text query's real embedding goes into the library's query cache, as a first online
// query would have left it, so the text query below runs offline.
const textQueryFile = join(sample, 'queries', 'text-bird-eating-food.json');
const textQuery = JSON.parse(readFileSync(textQueryFile, 'utf8'));
title(`vsearch cache add --text "${textQuery.source}" --vector queries/text-bird-eating-food.json`);
vsearch('cache', 'add', '--text', textQuery.source, '--vector', textQueryFile);

title(`vsearch query "${textQuery.source}" --offline`);
vsearch('query', textQuery.source, '--offline');
title('vsearch query --vector queries/audio-rock-808-beat.json   (a drum loop: nothing matches well)');
vsearch('query', '--vector', join(sample, 'queries', 'audio-rock-808-beat.json'));
title('vsearch query --vector queries/image-ocean.json --group-by video');
vsearch('query', '--vector', join(sample, 'queries', 'image-ocean.json'), '--group-by', 'video');
title('vsearch stats');
vsearch('stats');

await emulatorPart();

title('Try next (in this checkout; see README.md for running vsearch elsewhere)');
const oceanQuery = shown(join(sample, 'queries', 'image-ocean.json'));
process.stdout.write(
  [
    `  npx vsearch query --like island.mp4@6 --lib ${lib}`,
    `  npx vsearch query --vector - --group-by video --json --lib ${lib} < ${oceanQuery}`,
    `  npx vsearch stats --json --lib ${mediaLib}`,
    `The demo kept both libraries in ${work}; remove it when you are done: rm -rf ${work}`,
    '',
  ].join('\n'),
);

async function emulatorPart() {
  const media = join(root, 'data', 'media-samples');
  title(`vsearch emulator --scenario data/media-samples/scenario.json   (part 2: the offline API stand-in)`);
  const emulator = spawn(
    process.execPath,
    [cli, 'emulator', '--port', '0', '--scenario', join(media, 'scenario.json'), '--task-delay', '200'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    // Its first stdout line is the base URL; its stderr says the same to the terminal.
    const [baseUrl] = await once(createInterface({ input: emulator.stdout }), 'line');
    const env = { TWELVELABS_API_KEY: 'demo-key', TWELVELABS_BASE_URL: baseUrl };
    title('vsearch build data/media-samples --clip-length 2');
    run(env, mediaLib, 'build', media, '--clip-length', '2');
    title('vsearch query "a butterfly over the flowers"');
    run(env, mediaLib, 'query', 'a butterfly over the flowers', '--limit', '3');
    title('vsearch query "a butterfly over the flowers" --offline   (now from the query cache)');
    run({}, mediaLib, 'query', 'a butterfly over the flowers', '--limit', '1', '--offline');
  } finally {
    emulator.kill('SIGTERM');
  }
}
