import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { syncPgToFolder } from '../pg/sync-from-pg.js';
import { type SyncSummary, syncFolderToPg } from '../pg/sync-to-pg.js';
import { isPgUrl, parsePgTarget } from '../pg/target.js';
import { escapeText } from './query.js';
import { jsonOption, parseInteger, printJson } from './shared-options.js';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'copy a library between a folder and PostgreSQL (pgvector), either way, incrementally: only videos the target lacks or holds with other segments',
    )
    .requiredOption(
      '--from <source>',
      'the folder library, or postgres://user:password@host:port/database?library=NAME',
    )
    .requiredOption('--to <target>', 'postgres://user:password@host:port/database?library=NAME, or a folder library')
    .option(
      '--batch-segments <n>',
      'PostgreSQL -> folder: about how many segments (whole videos) one folder commit holds',
      '20000',
    )
    .option('--verbose', 'say how rows are loaded (COPY, or batched INSERTs on PGlite)')
    .addOption(jsonOption())
    .action(async (flags: { from: string; to: string; batchSegments: string; json?: boolean; verbose?: boolean }) => {
      const fromPg = isPgUrl(flags.from);
      if (fromPg === isPgUrl(flags.to))
        throw new InputError(
          '--from and --to must be one folder library and one postgres:// or postgresql:// URL (a folder to PostgreSQL, or PostgreSQL to a folder)',
        );
      const batchSegments = parseInteger('--batch-segments', flags.batchSegments, 1, 1_000_000);
      const say = (line: string): void => {
        if (flags.verbose) process.stderr.write(`${line}\n`);
      };
      let summary: SyncSummary;
      let shown: { from: string; to: string };
      if (fromPg) {
        const source = parsePgTarget(flags.from);
        shown = { from: source.shown, to: flags.to };
        summary = await syncPgToFolder(source, flags.to, { batchSegments });
      } else {
        const target = parsePgTarget(flags.to);
        shown = { from: flags.from, to: target.shown };
        summary = await syncFolderToPg(flags.from, target, undefined, say);
      }
      if (flags.json) printJson({ ...shown, ...summary });
      else
        process.stdout.write(
          `synced ${summary.videos} videos (${summary.segments} segments) from ${escapeText(shown.from)} to ${escapeText(shown.to)}; ${summary.unchanged} already there\n`,
        );
    });
}
