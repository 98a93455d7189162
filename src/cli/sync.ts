import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { syncFolderToPg } from '../pg/sync-to-pg.js';
import { isPgUrl, parsePgTarget } from '../pg/target.js';
import { escapeText } from './escape-text.js';
import { jsonOption, printJson } from './shared-options.js';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'copy a folder library into PostgreSQL (pgvector), incrementally: only videos the target lacks or holds with other segments',
    )
    .requiredOption('--from <dir>', 'the folder library to copy')
    .requiredOption('--to <url>', 'postgres://user:password@host:port/database?library=NAME')
    .addOption(jsonOption())
    .action(async (flags: { from: string; to: string; json?: boolean }) => {
      if (!isPgUrl(flags.to))
        throw new InputError(
          `--to must be a postgres:// or postgresql:// URL; syncing from PostgreSQL to a folder is not supported yet`,
        );
      const target = parsePgTarget(flags.to);
      const summary = await syncFolderToPg(flags.from, target);
      if (flags.json) printJson({ to: target.shown, ...summary });
      else
        process.stdout.write(
          `synced ${summary.videos} videos (${summary.segments} segments) to ${escapeText(target.shown)}; ${summary.unchanged} already there\n`,
        );
    });
}
