import { type Command, Option } from 'commander';
import { DEFAULT_BASE_URL } from '../embed/index.js';
import { InputError } from '../errors.js';
import { openLibrary, openLibraryRoot } from '../library/index.js';
import { passwordsIn, redactMessage, redactUrl } from '../pg/redact.js';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_MB, ReloadingLibrary, startSearchServer } from '../server/index.js';
import { untilSignal } from './abort-on-signal.js';
import { baseUrlOption, clientFromEnvironment } from './api-client.js';
import { escapeText } from './query.js';
import { info, libOption, parseInteger, parseNumber } from './shared-options.js';

interface ServeFlags {
  lib: string;
  root?: string;
  upstream?: string;
  port: string;
  host: string;
  apiKey?: string;
  baseUrl?: string;
  allowRemoteMedia?: boolean;
  maxBodyMb: string;
  maxUploadMb: string;
  partitionSearch?: boolean | string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;

function maxBodyBytes(text: string): number {
  const mb = parseNumber('--max-body-mb', text);
  if (mb <= 0 || mb > 4096)
    throw new InputError(`--max-body-mb must be above 0 and at most 4096, got ${JSON.stringify(text)}`);
  return Math.floor(mb * 1024 * 1024);
}

function partitionSearchOf(flag: boolean | string | undefined): boolean | number | undefined {
  return typeof flag === 'string' ? parseInteger('--partition-search', flag, 1, 1_000_000) : flag;
}

const SERVE_EXAMPLES = `
Examples:
  vsearch serve --lib ./vsearch-lib --port 8787
  vsearch serve --lib ./vsearch-lib --port 8787 --api-key local-secret --max-body-mb 50
  vsearch serve --host 0.0.0.0 --api-key "$(openssl rand -hex 16)" --allow-remote-media
  vsearch serve --root ./indexes --port 8787       every library under ./indexes is an index
  vsearch serve --root ./indexes --upstream http://127.0.0.1:4010/v1.3   (e.g. vsearch emulator)

  Paths serve does not answer itself (embed, embed tasks, analyze, assets, tasks) go to the
  upstream API with TWELVELABS_API_KEY; clients send serve's own key (--api-key), which is
  never forwarded.

  Point the TwelveLabs SDK (twelvelabs-js) at it:
  TWELVELABS_BASE_URL=http://127.0.0.1:8787/v1.3 node app.mjs
`;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the TwelveLabs API over a library (--lib) or a folder of libraries (--root): search, indexes, videos; other paths go upstream; until SIGINT/SIGTERM',
    )
    .addOption(libOption())
    .option(
      '--root <dir>',
      'serve every library under this folder as an index (indexes can be created, renamed, deleted)',
    )
    .option(
      '--upstream <url>',
      'API base URL for the paths serve forwards (default: --base-url, TWELVELABS_BASE_URL, or the real API)',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <host>', 'host to bind (only loopback by default)', DEFAULT_HOST)
    .addOption(new Option('--api-key <key>', 'require this x-api-key on every request').env('VSEARCH_SERVE_API_KEY'))
    .addOption(baseUrlOption())
    .option('--allow-remote-media', 'pass query_media_url (http/https) on to the embedding API instead of refusing it')
    .option('--max-body-mb <n>', 'largest request body in MiB; larger ones get 413', String(DEFAULT_MAX_BODY_MB))
    .option(
      '--max-upload-mb <n>',
      'largest video file of an upload task (POST /tasks, with --root) in MiB; larger ones get 413 before they are read',
      '2048',
    )
    .option(
      '--partition-search [probes]',
      `answer text, image and audio queries by partition search (README "Partition search"), probing this many partitions for a top 10 (default: 32 at 20k segments, 143 at 200k, 407 at 1M)`,
    )
    .addHelpText('after', SERVE_EXAMPLES)
    .action(async (flags: ServeFlags, command: Command) => {
      if (flags.root !== undefined && command.getOptionValueSource('lib') === 'cli')
        throw new InputError('give --lib (one library) or --root (a folder of libraries), not both');
      const port = parseInteger('--port', flags.port, 0, 65535);
      const limit = maxBodyBytes(flags.maxBodyMb);
      if (flags.apiKey !== undefined && flags.apiKey.trim() === '')
        throw new InputError('--api-key must not be empty; leave it out to accept requests without a key');
      const partitionSearch = partitionSearchOf(flags.partitionSearch);
      const uploadMb = parseNumber('--max-upload-mb', flags.maxUploadMb);
      if (uploadMb <= 0 || uploadMb > 1024 * 1024)
        throw new InputError(
          `--max-upload-mb must be above 0 and at most 1048576, got ${JSON.stringify(flags.maxUploadMb)}`,
        );
      // Upload tasks embed through the upstream the server forwards to.
      const client = clientFromEnvironment({ baseUrl: flags.baseUrl ?? flags.upstream });
      const upstreamUrl =
        flags.upstream ?? flags.baseUrl ?? nonEmpty(process.env['TWELVELABS_BASE_URL']) ?? DEFAULT_BASE_URL;
      const upstream = { baseUrl: upstreamUrl, apiKey: nonEmpty(process.env['TWELVELABS_API_KEY']) };
      // A message from the database driver may quote the connection string: none is printed with its password.
      const secrets = passwordsIn([flags.lib]);
      const onWarning = (message: string): void =>
        info(`vsearch serve: warning: ${escapeText(redactMessage(message, secrets))}`);
      const root =
        flags.root === undefined
          ? undefined
          : await openLibraryRoot(flags.root, { client, onWarning, partitionSearch });
      // Follows builds and removals made by other processes while it serves; on postgres:// each request
      // reads the database's newest generation, so several serve processes answer one library alike.
      const lib =
        root === undefined
          ? await ReloadingLibrary.open(() => openLibrary(flags.lib, { client, onWarning, partitionSearch }))
          : undefined;
      try {
        const server = await startSearchServer({
          ...(root === undefined ? { library: lib } : { root }),
          upstream,
          host: flags.host,
          port,
          apiKey: flags.apiKey,
          maxBodyBytes: limit,
          maxUploadBytes: Math.floor(uploadMb * 1024 * 1024),
          onWarning,
          allowRemoteMedia: flags.allowRemoteMedia ?? false,
          onRequest: (entry) => info(`${entry.method} ${entry.path} ${entry.status} ${entry.ms} ms`),
          onUnexpectedError: (error) =>
            info(
              `vsearch serve: unexpected error: ${redactMessage(error instanceof Error ? (error.stack ?? error.message) : String(error), secrets)}`,
            ),
        });
        process.stdout.write(`${server.url}\n`);
        const what =
          lib === undefined
            ? `the libraries under ${escapeText(flags.root ?? '')}`
            : `library ${escapeText(redactUrl(flags.lib))} (index_id ${lib.manifest.id})`;
        info(`vsearch serve: ${what} on ${server.url}, other API paths to ${escapeText(upstreamUrl)} (Ctrl-C to stop)`);
        if (client === undefined)
          info('vsearch serve: no TWELVELABS_API_KEY, so only queries already in the query cache can be answered');
        if (flags.apiKey === undefined && !LOOPBACK.has(flags.host))
          info(
            `vsearch serve: listening on ${flags.host} without --api-key: anyone who can reach it can search this library`,
          );
        const signal = await untilSignal();
        info(`vsearch serve: ${signal}, closing`);
        await server.close();
      } finally {
        await lib?.close();
        await client?.close();
      }
    });
}
