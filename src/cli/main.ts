#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { AbortError, isUsageError, VsearchError } from '../errors.js';
import { passwordsIn, redactMessage } from '../pg/redact.js';
import { inFlagTerms } from './option-flags.js';
import { escapeText } from './query.js';
import { StdoutErrors } from './stdout-errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (isUsageError(error)) return EXIT_USAGE;
  if (error instanceof AbortError) return 130;
  return EXIT_FAILURE;
}

function describe(error: unknown): string {
  if (error instanceof VsearchError) return `vsearch: ${escapeText(inFlagTerms(error.message))}`;
  if (error instanceof Error) return `vsearch: unexpected error: ${error.stack ?? error.message}`;
  return `vsearch: unexpected error: ${String(error)}`;
}

/** Whatever an error says, the passwords of the connection strings this run was given are not printed. */
const printable = (message: string, argv: readonly string[]): string =>
  redactMessage(message, passwordsIn([...argv, process.env['VSEARCH_LIB']]));

/**
 * Commands registered alone when they are the one run, so that `vsearch query` and `vsearch stats` do not load
 * what build, serve or the emulator import (the embed client, undici, the HTTP server).
 * Any other command line, help included, registers every command.
 */
const ALONE: ReadonlyMap<string, () => Promise<(program: Command) => void>> = new Map([
  ['query', async () => (await import('./query.js')).registerQueryCommand],
  ['stats', async () => (await import('./stats.js')).registerStatsCommand],
]);

async function registrar(argv: readonly string[]): Promise<(program: Command) => void> {
  const name = argv[2];
  const alone = name === undefined ? undefined : ALONE.get(name);
  return alone === undefined ? (await import('./commands.js')).registerCommands : alone();
}

/** The package's version, from the package.json two folders up (dist/cli/ or src/cli/). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('vsearch')
    .description('Local, offline any-to-video search over TwelveLabs Marengo embeddings')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    (await registrar(argv))(program);
    await program.parseAsync(argv);
    // A command that finished but had failures (a build with failed items) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeFor(error);
    process.stderr.write(`${printable(describe(error), argv)}\n`);
    return exitCodeFor(error);
  }
}

const stdout = new StdoutErrors();
process.exitCode = stdout.exitCode(await main(process.argv));
